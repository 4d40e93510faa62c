/**
 * @module server/control/bulk-simulation — many simulated users opening invite links, for load and demo data. A run
 * paces itself to `ratePerSecond` (or goes as fast as the store allows), spreads users over its groups in turn, and
 * goes through the same path as a single simulated join, so every user produces the webhook Meta would send. Runs
 * live in the instance that started them; their outcome is counted, not stored.
 */
import { randomInt } from 'node:crypto';
import type { SimulationStatus } from '@groupgate/sdk/contract';
import type { Store } from '../../storage/store.js';
import { GRAPH_ERRORS } from '../../domain/error-catalog.js';
import type { UserOptions } from '../../domain/users.js';
import { inviteLinkFor } from '../graph/routes/invite-link.js';
import { controlError, simulateJoin } from './sandbox.js';

/** The lowest pace a run takes: one user every 1000 s, a pause any timer holds. */
export const MIN_RATE_PER_SECOND = 0.001;

/** The longest a run sleeps before looking whether it was stopped. */
const PAUSE_PIECE_MS = 500;

export interface SimulationRequest {
  groupIds: string[];
  users: number;
  /** 0: as fast as possible. */
  ratePerSecond: number;
  /** Country calling code the simulated numbers start with. */
  countryCode: string;
  /** Share of users (0 to 1) who hide their number behind a username. */
  hiddenPhoneShare: number;
  /** Share of users (0 to 1) who carry a parent BSUID. */
  parentUserIdShare: number;
}

/**
 * Whether user `i` of a run is among the `share` of users with a trait: spread evenly and the same on every run
 * (user i has it when the running count ⌊(i+1)·share⌋ steps up), so a test can tell which users will.
 */
export function hasTrait(i: number, share: number): boolean {
  return Math.floor((i + 1) * share) > Math.floor(i * share);
}

/** What simulated user `i` presents: a hidden number comes with a username, as in WhatsApp. */
export function bulkUserOptions(request: SimulationRequest, i: number, waId: string): UserOptions {
  const hidden = hasTrait(i, request.hiddenPhoneShare);
  return {
    ...(hidden && { hidePhoneNumber: true, username: `user${waId}` }),
    ...(hasTrait(i, request.parentUserIdShare) && { parentUserId: true as const }),
  };
}

const KEPT_RUNS = 100;

export class Simulations {
  readonly #runs = new Map<string, { status: SimulationStatus; stop: () => void }>();
  readonly #store: Store;
  readonly #clock: () => number;
  readonly #clockMs: () => number;
  readonly #maxParticipants: number;
  #next = 1;

  /** `clock` in Unix seconds and `clockMs` in ms, both virtual; the pace of a run is kept on the wall clock. */
  constructor(store: Store, clock: () => number, clockMs: () => number, maxParticipants: number) {
    this.#store = store;
    this.#clock = clock;
    this.#clockMs = clockMs;
    this.#maxParticipants = maxParticipants;
  }

  get(id: string): SimulationStatus | undefined {
    return this.#runs.get(id)?.status;
  }

  stop(id: string): SimulationStatus | undefined {
    const run = this.#runs.get(id);
    run?.stop();
    return run?.status;
  }

  stopAll(): void {
    for (const run of this.#runs.values()) run.stop();
  }

  /** Checks the groups exist, then starts the run in the background. */
  async start(request: SimulationRequest): Promise<SimulationStatus> {
    const links: string[] = [];
    for (const groupId of request.groupIds) {
      const group = await this.#store.findGroupById(groupId);
      if (group === undefined || !group.inviteLinkActive) {
        throw controlError(GRAPH_ERRORS.CONTROL_NOT_FOUND, `No group ${groupId} with an active invite link.`);
      }
      links.push(inviteLinkFor(group.inviteCode));
    }
    const status: SimulationStatus = {
      simulation_id: `sim_${this.#next++}`,
      state: 'running',
      users: request.users,
      requested: 0,
      joined: 0,
      failed: 0,
      failures: [],
      started_at: this.#clockMs(),
      finished_at: null,
    };
    let stopped = false;
    this.#runs.set(status.simulation_id, { status, stop: () => (stopped = true) });
    this.#forgetOldRuns();
    void this.#run(request, links, status, () => stopped);
    return status;
  }

  /** Keeps the last KEPT_RUNS runs' statuses; running ones are never forgotten. */
  #forgetOldRuns(): void {
    for (const [id, run] of this.#runs) {
      if (this.#runs.size <= KEPT_RUNS) return;
      if (run.status.state !== 'running') this.#runs.delete(id);
    }
  }

  async #run(
    request: SimulationRequest,
    links: string[],
    status: SimulationStatus,
    isStopped: () => boolean,
  ): Promise<void> {
    // Paced on the wall clock: a frozen virtual clock must not stall a run, nor an advance rush it.
    const started = Date.now();
    // Random numbers in the country's space, far from the demo's: collisions only make a user ask twice.
    const base = randomInt(100_000_000, 900_000_000);
    for (let i = 0; i < request.users; i++) {
      if (isStopped()) break;
      if (request.ratePerSecond > 0) {
        const due = started + (i * 1000) / request.ratePerSecond;
        // Timers cannot wait less than a millisecond: a user due sooner goes now. A long pause is waited in pieces,
        // so that a stop is seen within one and no delay ever reaches the timer's limit (about 24.8 days, past
        // which Node fires at once).
        for (let wait = due - Date.now(); wait >= 1 && !isStopped(); wait = due - Date.now()) {
          await new Promise((resolve) => setTimeout(resolve, Math.min(wait, PAUSE_PIECE_MS)));
        }
        if (isStopped()) break;
      } else if (i % 100 === 99) {
        // Unpaced runs still yield, so that the server keeps answering while they go.
        await new Promise((resolve) => setImmediate(resolve));
      }
      const waId = `${request.countryCode}${base + i}`;
      const link = links[i % links.length] ?? '';
      try {
        const result = await simulateJoin(
          this.#store,
          waId,
          link,
          this.#clock(),
          this.#maxParticipants,
          this.#clockMs(),
          bulkUserOptions(request, i, waId),
        );
        if (result.status === 'joined') status.joined++;
        else status.requested++;
      } catch (error) {
        status.failed++;
        const message = error instanceof Error ? error.message : String(error);
        const known = status.failures.find((f) => f.message === message);
        if (known !== undefined) known.count++;
        else if (status.failures.length < 10) status.failures.push({ message, count: 1 });
      }
    }
    status.state = isStopped() ? 'stopped' : 'finished';
    status.finished_at = this.#clockMs();
  }
}
