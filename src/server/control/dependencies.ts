/**
 * @module server/control/dependencies — what every control-API route module is given. Its own module so that the
 * route modules depend on it, not on each other.
 */
import type { RateLimit } from '../../domain/rate-limits.js';
import type { Store } from '../../storage/store.js';
import type { VirtualClock } from '../clock/virtual-clock.js';

/** The request journal's buffer, as the control routes need it (server/journal/request-journal). */
export interface JournalBuffer {
  /** Writes every call this instance has answered; resolves once they are in the store. */
  flush(): Promise<void>;
  /** Drops what is not yet written, and waits for a write under way. */
  discardPending(): Promise<void>;
}
import type { FaultRegistry } from '../faults/fault-registry.js';
import type { SimulatedConditions } from '../simulated-conditions.js';

export interface ControlDependencies {
  store: Store;
  /** Unix seconds, as Graph's timestamps are. */
  clock: () => number;
  /** Unix milliseconds on the virtual clock: webhook events and the delivery log's times. */
  clockMs: () => number;
  /** The virtual clock itself, for its control routes. */
  virtualClock: VirtualClock;
  adminToken: string;
  maxParticipants: number;
  webhookTimeoutMs: number;
  /** Host names callback URLs may point at; undefined: any. */
  webhookAllowHosts: readonly string[] | undefined;
  /** Where clients reach this server, when configured; the OpenAPI document's `servers` entry names it. */
  publicUrl: string | undefined;
  /** The server's `--group-rate-limit`: the group-operations limit of every business without its own. */
  groupOperationsDefault: RateLimit | undefined;
  /** The request journal; undefined when it is off (`--journal-size 0`). */
  journal: JournalBuffer | undefined;
  /** This instance's fault rules. */
  faults: FaultRegistry;
  /** Switches for the states Meta's errors describe (eligibility, armed failures, terms); emptied by reset. */
  conditions: SimulatedConditions;
}
