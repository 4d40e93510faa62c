/**
 * @module storage/sqlite/sqlite-writes — the SQLite store's state changes, each one IMMEDIATE transaction that reads
 * what the domain's plan needs, calls the planner, writes the plan and queues the events it reports. The rules are
 * the planners' (src/domain/*-plan.ts); here are only the reads and writes around them.
 */
import type Database from 'better-sqlite3';
import { planDecision } from '../../domain/decision-plan.js';
import { mayCreateGroup } from '../../domain/groups.js';
import { planJoin } from '../../domain/join-plan.js';
import { lookupKeys, planRemoval } from '../../domain/removal-plan.js';
import { userFromWire, userWire, type UserIdentity, type UserRef } from '../../domain/users.js';
import { joinRequestJson } from '../../domain/wire.js';
import type {
  Decision,
  DecideOptions,
  DecisionOutcome,
  EventsFor,
  GroupRecord,
  CancelledRequest,
  JoinInput,
  JoinOutcome,
  NewGroup,
  RemovalOutcome,
  RemoveOptions,
} from '../../domain/records.js';
import { toGroup, type GroupRow } from '../rows.js';
import { GroupCommit } from './group-commit.js';
import type { SqliteOutbox } from './sqlite-outbox.js';
import type { SqliteStatements } from './sqlite-statements.js';

export class SqliteWrites {
  /**
   * Deciding runs a fixed number of statements whatever the batch size (measured: a 10-id approval went from 31
   * statements to 4), and shares its transaction with the other decisions of its event-loop turn.
   */
  readonly decide: (
    groupPk: number,
    ids: readonly string[],
    decision: Decision,
    options: DecideOptions,
    events: EventsFor<DecisionOutcome[]>,
  ) => Promise<DecisionOutcome[]>;
  readonly createGroup: (
    group: NewGroup,
    maxGroups: number,
    events: EventsFor<GroupRecord>,
  ) => GroupRecord | 'limit_reached';
  /** Any change to a group row that reports itself: the row changes, then its events. */
  readonly changeGroup: (
    change: () => GroupRow | undefined,
    events: EventsFor<GroupRecord>,
  ) => GroupRecord | undefined;
  readonly join: (group: GroupRecord, input: JoinInput, events: EventsFor<JoinOutcome>) => JoinOutcome;
  readonly cancel: (
    groupPk: number,
    joinRequestId: string,
    now: number,
    events: EventsFor<CancelledRequest>,
  ) => CancelledRequest | undefined;
  readonly remove: (
    groupPk: number,
    users: readonly UserRef[],
    options: RemoveOptions,
    events: EventsFor<RemovalOutcome[]>,
  ) => RemovalOutcome[];

  constructor(db: Database.Database, s: SqliteStatements, outbox: SqliteOutbox) {
    const decide = new GroupCommit(
      db,
      db.transaction(
        (
          groupPk: number,
          ids: readonly string[],
          decision: Decision,
          options: DecideOptions,
          events: EventsFor<DecisionOutcome[]>,
        ): DecisionOutcome[] => {
          const plan = planDecision({
            decision,
            now: options.now,
            ids,
            pending: s.pendingAmong.all({ groupPk, ids: JSON.stringify(ids) }),
            participantCount: decision === 'approve' ? (s.participantCount.get(groupPk) ?? 0) : 0,
            maxParticipants: options.maxParticipants,
            termsNotAccepted: options.termsNotAccepted,
          });
          if (plan.decided.length === 0) return plan.outcomes;
          const status = decision === 'approve' ? 'approved' : 'rejected';
          const seqs = plan.decided.map((request) => request.key);
          s.setStatuses.run({ status, now: options.now, seqs: JSON.stringify(seqs) });
          if (decision === 'approve') {
            const users = plan.decided.map((request) => userFromWire(request.waId, request.userJson));
            s.insertParticipants.run({ groupPk, now: options.now, users: participantsJson(users) });
            s.addToParticipantCount.run(users.length, groupPk);
          }
          outbox.append(events(plan.outcomes));
          return plan.outcomes;
        },
      ),
    );
    this.decide = (...args) => decide.run(...args);

    this.createGroup = immediate(db, (group, maxGroups, events) => {
      if (!mayCreateGroup(s.countActiveGroups.get(group.businessPk) ?? 0, maxGroups)) return 'limit_reached';
      const created = toGroup(s.insertGroup.get(group) as GroupRow);
      outbox.append(events(created));
      return created;
    });

    this.changeGroup = immediate(db, (change, events) => {
      const row = change();
      if (row === undefined) return undefined;
      const group = toGroup(row);
      outbox.append(events(group));
      return group;
    });

    this.join = immediate(db, (group, input, events) => {
      const facts = s.joinFacts.get({
        groupPk: group.pk,
        waId: input.user.waId,
        joinRequestId: input.joinRequestId,
      });
      const { outcome, write } = planJoin({
        group,
        input,
        isParticipant: facts?.isParticipant === 1,
        isRemoved: facts?.isRemoved === 1,
        isPending: facts?.isPending === 1,
        participantCount: facts?.participantCount ?? 0,
      });
      if (write === 'request') {
        const { joinRequestId, user, now } = input;
        const wireJson = joinRequestJson(joinRequestId, user, now);
        const userJson = JSON.stringify(userWire(user));
        s.insertJoinRequest.run({
          groupPk: group.pk,
          joinRequestId,
          waId: user.waId,
          userJson,
          now,
          wireJson,
        });
      } else if (write === 'participant') {
        s.insertParticipants.run({
          groupPk: group.pk,
          now: input.now,
          users: participantsJson([input.user]),
        });
        s.addToParticipantCount.run(1, group.pk);
      }
      outbox.append(events(outcome));
      return outcome;
    });

    this.cancel = immediate(db, (groupPk, joinRequestId, now, events) => {
      const row = s.cancelPending.get(now, groupPk, joinRequestId);
      if (row === undefined) return undefined;
      const cancelled = { joinRequestId: row.joinRequestId, user: userFromWire(row.waId, row.userJson) };
      outbox.append(events(cancelled));
      return cancelled;
    });

    this.remove = immediate(db, (groupPk, users, options, events) => {
      const { waIds, userIds } = lookupKeys(users);
      const participants = s.participantsAmong
        .all({ groupPk, waIds: JSON.stringify(waIds), userIds: JSON.stringify(userIds) })
        .map((row) => userFromWire(row.waId, row.userJson));
      const plan = planRemoval({ asked: users, participants, options });
      if (plan.remove.length > 0) {
        s.removeParticipants.run({ groupPk, waIds: JSON.stringify(plan.remove) });
        s.addToParticipantCount.run(-plan.remove.length, groupPk);
      }
      if (plan.ban.length > 0)
        s.banParticipants.run({ groupPk, waIds: JSON.stringify(plan.ban), now: options.now });
      outbox.append(events(plan.outcomes));
      return plan.outcomes;
    });
  }
}

/** Users to insert as participants, as insertParticipants reads them. */
function participantsJson(users: readonly UserIdentity[]): string {
  return JSON.stringify(
    users.map((user) => ({ waId: user.waId, userId: user.userId, userJson: JSON.stringify(userWire(user)) })),
  );
}

/** `work` as one IMMEDIATE transaction: the write lock is taken before the first read, not upgraded after it. */
function immediate<A extends unknown[], R>(
  db: Database.Database,
  work: (...args: A) => R,
): (...args: A) => R {
  const transaction = db.transaction(work);
  return (...args) => transaction.immediate(...args);
}
