/**
 * @module storage/postgres/postgres-writes — the PostgreSQL store's state changes. Each is one transaction that
 * locks the row it decides on (the group for decisions, joins and removals, the business for group creation), reads
 * what the domain's plan needs, calls the planner, writes the plan and queues the events it reports; rows change only
 * where they are still in the state read, so a join request changes state exactly once however many instances race.
 * The rules are the planners' (src/domain/*-plan.ts); here are only the reads and writes around them.
 */
import type pg from 'pg';
import { planDecision, type PendingRequest } from '../../domain/decision-plan.js';
import { mayCreateGroup } from '../../domain/groups.js';
import { planJoin } from '../../domain/join-plan.js';
import { lookupKeys, planRemoval } from '../../domain/removal-plan.js';
import { userFromWire, userWire, type UserRef } from '../../domain/users.js';
import { joinRequestJson } from '../../domain/wire.js';
import type {
  CancelledRequest,
  Decision,
  DecideOptions,
  DecisionOutcome,
  EventsFor,
  GroupPatch,
  GroupRecord,
  JoinInput,
  JoinOutcome,
  NewGroup,
  NewWebhookEvent,
  RemovalOutcome,
  RemoveOptions,
} from '../../domain/records.js';
import type { EventsAppended } from '../events-appended.js';
import { GROUP_COLUMNS, toGroup, type GroupRow } from '../rows.js';
import type { PostgresOutbox } from './postgres-outbox.js';
import { inTransaction } from './pool.js';

/** One transaction's connection, and the outbox append on it. */
export interface Transaction {
  client: pg.PoolClient;
  queue(events: readonly NewWebhookEvent[]): Promise<void>;
}

export class PostgresWrites {
  readonly #pool: pg.Pool;
  readonly #outbox: PostgresOutbox;
  readonly #appended: EventsAppended;

  constructor(pool: pg.Pool, outbox: PostgresOutbox, appended: EventsAppended) {
    this.#pool = pool;
    this.#outbox = outbox;
    this.#appended = appended;
  }

  /** Runs `work` in one transaction on one connection, rolling back on any error; signals queued events after. */
  async #transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    let queued = 0;
    // pool.ts may start the transaction again on another connection (a dead one found at BEGIN): count afresh.
    const result = await inTransaction(this.#pool, (client) => {
      queued = 0;
      const queue = async (events: readonly NewWebhookEvent[]) => {
        await this.#outbox.append(client, events);
        queued += events.length;
      };
      return work({ client, queue });
    });
    if (queued > 0) this.#appended.notify();
    return result;
  }

  createGroup(
    group: NewGroup,
    maxGroups: number,
    events: EventsFor<GroupRecord>,
  ): Promise<GroupRecord | 'limit_reached'> {
    return this.#transaction(async ({ client, queue }) => {
      // The business row lock makes count-then-insert atomic across instances.
      await client.query('SELECT 1 FROM businesses WHERE pk = $1 FOR UPDATE', [group.businessPk]);
      const count = await client.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM groups WHERE business_pk = $1 AND deleted_at IS NULL',
        [group.businessPk],
      );
      if (!mayCreateGroup(count.rows[0]?.n ?? 0, maxGroups)) return 'limit_reached' as const;
      const inserted = await client.query<GroupRow>(
        `INSERT INTO groups (group_id, group_number, business_pk, request_id, subject, description,
           join_approval_mode, invite_code, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${GROUP_COLUMNS}`,
        [
          group.groupId,
          group.groupNumber,
          group.businessPk,
          group.requestId,
          group.subject,
          group.description,
          group.joinApprovalMode,
          group.inviteCode,
          group.createdAt,
        ],
      );
      const created = toGroup(inserted.rows[0] as GroupRow);
      await queue(events(created));
      return created;
    });
  }

  /** Changes a group's row and queues the events it reports, in one transaction. */
  #changeGroup(
    change: (client: pg.PoolClient) => Promise<GroupRow | undefined>,
    events: EventsFor<GroupRecord>,
  ): Promise<GroupRecord | undefined> {
    return this.#transaction(async ({ client, queue }) => {
      const row = await change(client);
      if (row === undefined) return undefined;
      const changed = toGroup(row);
      await queue(events(changed));
      return changed;
    });
  }

  updateGroup(
    groupPk: number,
    patch: GroupPatch,
    events: EventsFor<GroupRecord>,
  ): Promise<GroupRecord | undefined> {
    return this.#changeGroup(
      async (client) =>
        (
          await client.query<GroupRow>(
            `UPDATE groups SET subject = coalesce($2, subject), description = coalesce($3, description),
               photo_sha256 = coalesce($4, photo_sha256)
             WHERE pk = $1 AND deleted_at IS NULL RETURNING ${GROUP_COLUMNS}`,
            [groupPk, patch.subject ?? null, patch.description ?? null, patch.photoSha256 ?? null],
          )
        ).rows[0],
      events,
    );
  }

  async deleteGroup(groupPk: number, now: number, events: EventsFor<GroupRecord>): Promise<boolean> {
    const group = await this.#changeGroup(async (client) => {
      const row = (
        await client.query<GroupRow>(
          `UPDATE groups SET deleted_at = $2, participant_count = 0
           WHERE pk = $1 AND deleted_at IS NULL RETURNING ${GROUP_COLUMNS}`,
          [groupPk, now],
        )
      ).rows[0];
      if (row !== undefined) await client.query('DELETE FROM participants WHERE group_pk = $1', [groupPk]);
      return row;
    }, events);
    return group !== undefined;
  }

  /** `suspendedAt` null clears a suspension. */
  setSuspended(
    groupPk: number,
    suspendedAt: number | null,
    events: EventsFor<GroupRecord>,
  ): Promise<GroupRecord | undefined> {
    return this.#changeGroup(
      async (client) =>
        (
          await client.query<GroupRow>(
            `UPDATE groups SET suspended_at = $2
             WHERE pk = $1 AND deleted_at IS NULL AND (suspended_at IS NULL) = ($2::bigint IS NOT NULL)
             RETURNING ${GROUP_COLUMNS}`,
            [groupPk, suspendedAt],
          )
        ).rows[0],
      events,
    );
  }

  decide(
    groupPk: number,
    ids: readonly string[],
    decision: Decision,
    options: DecideOptions,
    events: EventsFor<DecisionOutcome[]>,
  ): Promise<DecisionOutcome[]> {
    return this.#transaction(async ({ client, queue }) => {
      // Locking the group serialises every decision on it, across instances: the cap is counted once per decider.
      const participantCount = await lockGroup(client, groupPk);
      const pending = await client.query<PendingRequest>({
        name: 'gg_pending_among',
        text: `SELECT seq AS key, join_request_id AS "joinRequestId", wa_id AS "waId", user_json AS "userJson",
                 created_at AS "createdAt" FROM join_requests
               WHERE group_pk = $1 AND status = 'pending' AND join_request_id = ANY($2::text[])`,
        values: [groupPk, ids],
      });
      const plan = planDecision({
        decision,
        now: options.now,
        ids,
        pending: pending.rows,
        participantCount,
        maxParticipants: options.maxParticipants,
        termsNotAccepted: options.termsNotAccepted,
      });
      if (plan.decided.length === 0) return plan.outcomes;
      // One statement for the whole decision (three round trips were three of an approval's eight): the group row
      // is locked, so the rows read as pending above are still pending here.
      await client.query({
        name: 'gg_decide',
        text: `WITH decided AS (
                 UPDATE join_requests SET status = $1, decided_at = $2
                 WHERE seq = ANY($3::bigint[]) AND status = 'pending' RETURNING wa_id, user_json),
               joined AS (
                 INSERT INTO participants (group_pk, wa_id, user_id, user_json, joined_at)
                 SELECT $4, wa_id, user_json::json ->> 'user_id', user_json, $2 FROM decided WHERE $1 = 'approved')
               UPDATE groups SET participant_count = participant_count + (SELECT count(*) FROM decided)
               WHERE pk = $4 AND $1 = 'approved'`,
        values: [
          decision === 'approve' ? 'approved' : 'rejected',
          options.now,
          plan.decided.map((request) => request.key),
          groupPk,
        ],
      });
      await queue(events(plan.outcomes));
      return plan.outcomes;
    });
  }

  join(group: GroupRecord, input: JoinInput, events: EventsFor<JoinOutcome>): Promise<JoinOutcome> {
    return this.#transaction(async ({ client, queue }) => {
      const participantCount = await lockGroup(client, group.pk);
      // Read after the lock is held, so in a snapshot that sees every join committed before it.
      const facts = await client.query<{ isParticipant: boolean; isRemoved: boolean; isPending: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM participants WHERE group_pk = $1 AND wa_id = $2) AS "isParticipant",
           EXISTS (SELECT 1 FROM removed_participants WHERE group_pk = $1 AND wa_id = $2) AS "isRemoved",
           EXISTS (SELECT 1 FROM join_requests
                   WHERE group_pk = $1 AND join_request_id = $3 AND status = 'pending') AS "isPending"`,
        [group.pk, input.user.waId, input.joinRequestId],
      );
      const { outcome, write } = planJoin({
        group,
        input,
        isParticipant: facts.rows[0]?.isParticipant === true,
        isRemoved: facts.rows[0]?.isRemoved === true,
        isPending: facts.rows[0]?.isPending === true,
        participantCount,
      });
      if (write === 'request') {
        await client.query(
          `INSERT INTO join_requests (group_pk, join_request_id, wa_id, user_json, status, created_at, wire_json)
           VALUES ($1, $2, $3, $4, 'pending', $5, $6)`,
          [
            group.pk,
            input.joinRequestId,
            input.user.waId,
            JSON.stringify(userWire(input.user)),
            input.now,
            joinRequestJson(input.joinRequestId, input.user, input.now),
          ],
        );
      } else if (write === 'participant') {
        await client.query(
          `WITH joined AS (INSERT INTO participants (group_pk, wa_id, user_id, user_json, joined_at)
                           VALUES ($1, $2, $3, $4, $5))
           UPDATE groups SET participant_count = participant_count + 1 WHERE pk = $1`,
          [group.pk, input.user.waId, input.user.userId, JSON.stringify(userWire(input.user)), input.now],
        );
      }
      await queue(events(outcome));
      return outcome;
    });
  }

  cancel(
    groupPk: number,
    joinRequestId: string,
    now: number,
    events: EventsFor<CancelledRequest>,
  ): Promise<CancelledRequest | undefined> {
    return this.#transaction(async ({ client, queue }) => {
      const row = (
        await client.query<{ join_request_id: string; wa_id: string; user_json: string }>(
          `UPDATE join_requests SET status = 'revoked', decided_at = $1
           WHERE group_pk = $2 AND join_request_id = $3 AND status = 'pending'
           RETURNING join_request_id, wa_id, user_json`,
          [now, groupPk, joinRequestId],
        )
      ).rows[0];
      if (row === undefined) return undefined;
      const cancelled = { joinRequestId: row.join_request_id, user: userFromWire(row.wa_id, row.user_json) };
      await queue(events(cancelled));
      return cancelled;
    });
  }

  remove(
    groupPk: number,
    users: readonly UserRef[],
    options: RemoveOptions,
    events: EventsFor<RemovalOutcome[]>,
  ): Promise<RemovalOutcome[]> {
    return this.#transaction(async ({ client, queue }) => {
      await lockGroup(client, groupPk);
      const { waIds, userIds } = lookupKeys(users);
      const participants = await client.query<{ wa_id: string; user_json: string }>(
        `SELECT wa_id, user_json FROM participants
         WHERE group_pk = $1 AND (wa_id = ANY($2::text[]) OR user_id = ANY($3::text[]))`,
        [groupPk, waIds, userIds],
      );
      const plan = planRemoval({
        asked: users,
        participants: participants.rows.map((row) => userFromWire(row.wa_id, row.user_json)),
        options,
      });
      if (plan.remove.length > 0) {
        await client.query(
          `WITH gone AS (DELETE FROM participants WHERE group_pk = $1 AND wa_id = ANY($2::text[]) RETURNING 1)
           UPDATE groups SET participant_count = participant_count - (SELECT count(*) FROM gone) WHERE pk = $1`,
          [groupPk, plan.remove],
        );
      }
      if (plan.ban.length > 0) {
        await client.query(
          `INSERT INTO removed_participants (group_pk, wa_id, removed_at) SELECT $1, unnest($2::text[]), $3
           ON CONFLICT (group_pk, wa_id) DO UPDATE SET removed_at = excluded.removed_at`,
          [groupPk, plan.ban, options.now],
        );
      }
      await queue(events(plan.outcomes));
      return plan.outcomes;
    });
  }
}

/** Locks the group's row for the rest of the transaction; returns its participant count (0 if it is gone). */
async function lockGroup(client: pg.PoolClient, groupPk: number): Promise<number> {
  const locked = await client.query<{ participant_count: number }>({
    name: 'gg_lock_group',
    text: 'SELECT participant_count FROM groups WHERE pk = $1 FOR UPDATE',
    values: [groupPk],
  });
  return locked.rows[0]?.participant_count ?? 0;
}
