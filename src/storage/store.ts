/**
 * @module storage/store — the one persistence interface. Every state change a caller can race on (deciding,
 * joining, cancelling, creating within a limit) is a single Store method, so each backend can make it atomic
 * in its own way (an immediate transaction in SQLite, row locks in PostgreSQL) and no caller ever reads then
 * writes across two calls.
 */
import type { UserIdentity, UserRef } from '../domain/users.js';
import type {
  AppSettingsPatch,
  CancelledRequest,
  AttemptVerdict,
  BusinessRecord,
  ClaimedWebhookEvent,
  EventsFor,
  GroupPatch,
  RemovalOutcome,
  RemoveOptions,
  WebhookAttempt,
  WebhookEventFilter,
  WebhookEventRecord,
  WebhookSettings,
  Decision,
  DecideOptions,
  DecisionOutcome,
  GroupRecord,
  JoinInput,
  JoinOutcome,
  KeysetPage,
  KeysetQuery,
  NewAccessToken,
  NewBusiness,
  NewGroup,
  RenderedJoinRequestPage,
  TokenLookup,
} from '../domain/records.js';
import type { BusinessLimits, TakePlan, WindowTake } from '../domain/rate-limits.js';
import type { JournalEntryRecord, JournalFilter, NewJournalEntry } from '../domain/journal.js';
import type { ClockState } from '../domain/clock.js';
import type { StateSnapshot } from '../domain/state.js';

export interface Store {
  /** Which backend this is, for logs and the health endpoint. */
  readonly kind: 'sqlite' | 'postgres';

  createBusiness(business: NewBusiness): Promise<BusinessRecord>;
  findBusinessByPhoneNumberId(phoneNumberId: string): Promise<BusinessRecord | undefined>;
  findBusinessByWabaId(wabaId: string): Promise<BusinessRecord | undefined>;
  findBusinessByAppId(appId: string): Promise<BusinessRecord | undefined>;
  findBusinessByPk(pk: number): Promise<BusinessRecord | undefined>;
  /** The oldest business with this name, if any (the demo seed finds its own business this way). */
  findBusinessByName(name: string): Promise<BusinessRecord | undefined>;
  /** Businesses in the order they were created, from the one after `afterPk`, at most `limit`. */
  listBusinesses(query: { afterPk?: number; limit: number }): Promise<BusinessRecord[]>;
  /**
   * Deletes the business and everything it owns, in one transaction that takes the locks its writes take: tokens,
   * groups with their participants, join requests and removed users, its app's webhook settings, its outbox rows and
   * their delivery attempts. False when there was no such business. A call racing it either ran before or finds
   * its token or group gone (a write that loses the race fails on a foreign key: storage/vanished-rows).
   */
  deleteBusiness(wabaId: string): Promise<boolean>;

  /**
   * Replaces the business's own rate limits and starts its windows afresh (its counts are dropped); undefined when
   * there is no such business. Token lookups carry the business, limits included: this store forgets its cached
   * ones at once, other PostgreSQL instances within their cache's life (a second).
   */
  setBusinessLimits(wabaId: string, limits: BusinessLimits): Promise<BusinessRecord | undefined>;
  /**
   * Counts one call against every window, or against none when one of them is full (domain planTake), atomically
   * however many calls and instances race. `cost` 0 only reads the windows.
   */
  takeFromWindows(takes: readonly WindowTake[], now: number, cost?: 0 | 1): Promise<TakePlan>;
  /**
   * Empties every window: when the clock goes back to real time, calls counted in its future would otherwise hold
   * a budget shut for as long as the clock had been ahead.
   */
  clearRateWindows(): Promise<void>;

  createAccessToken(token: NewAccessToken): Promise<void>;
  findAccessToken(token: string): Promise<TokenLookup | undefined>;
  /** True when the token existed and was not already revoked. */
  revokeAccessToken(token: string, now: number): Promise<boolean>;

  /**
   * Creates the group unless the business already has `maxGroups` active groups (then returns 'limit_reached').
   * `events` here and below: the webhook events the change produces, queued in its transaction.
   */
  createGroup(
    group: NewGroup,
    maxGroups: number,
    events: EventsFor<GroupRecord>,
  ): Promise<GroupRecord | 'limit_reached'>;
  /** An active (not deleted) group, suspended or not. */
  findGroupById(groupId: string): Promise<GroupRecord | undefined>;
  /** The group whose active invite link has this code. */
  findGroupByInviteCode(inviteCode: string): Promise<GroupRecord | undefined>;
  /** Active groups of a business, newest first. */
  listGroups(businessPk: number, query: KeysetQuery): Promise<KeysetPage<GroupRecord>>;
  /** Changes subject, description or photo; undefined when the group is gone. */
  updateGroup(
    groupPk: number,
    patch: GroupPatch,
    events: EventsFor<GroupRecord>,
  ): Promise<GroupRecord | undefined>;
  /** Deletes the group and removes every participant; false when it was already gone. */
  deleteGroup(groupPk: number, now: number, events: EventsFor<GroupRecord>): Promise<boolean>;
  /** A new invite code (the old link dies), or null to delete the link. */
  setInviteCode(groupPk: number, inviteCode: string | null): Promise<GroupRecord | undefined>;
  /** Suspends or clears a suspension; undefined when the group is gone or already in that state. */
  setSuspended(
    groupPk: number,
    suspended: boolean,
    now: number,
    events: EventsFor<GroupRecord>,
  ): Promise<GroupRecord | undefined>;

  /** Pending join requests of a group, oldest first, rendered for the wire. */
  listPendingJoinRequests(groupPk: number, query: KeysetQuery): Promise<RenderedJoinRequestPage>;
  /**
   * The group with one page of its pending requests, or undefined when no such group belongs to the business: the
   * hot read, in one round trip where the backend can (PostgreSQL).
   */
  listPendingJoinRequestsOfGroup(
    groupId: string,
    businessPk: number,
    query: KeysetQuery,
  ): Promise<{ group: GroupRecord; page: RenderedJoinRequestPage } | undefined>;
  /**
   * Approves or rejects each id (already de-duplicated) in one atomic step. A request changes state at most
   * once however many calls race: an id that is no longer pending comes back as 'not_pending'.
   */
  decideJoinRequests(
    groupPk: number,
    joinRequestIds: readonly string[],
    decision: Decision,
    options: DecideOptions,
    events: EventsFor<DecisionOutcome[]>,
  ): Promise<DecisionOutcome[]>;

  /** A user opens the invite link: a pending request on approval_required groups, membership on auto_approve. */
  requestToJoin(group: GroupRecord, input: JoinInput, events: EventsFor<JoinOutcome>): Promise<JoinOutcome>;
  /** The user withdraws their pending request; returns it with who asked, or undefined when it was not pending. */
  cancelJoinRequest(
    groupPk: number,
    joinRequestId: string,
    now: number,
    events: EventsFor<CancelledRequest>,
  ): Promise<CancelledRequest | undefined>;
  /**
   * The phone number behind the pending request of the user with this BSUID in the group, if any: how a simulated
   * user named by BSUID is found before they are a participant (control API only; reads the group's pending rows).
   */
  findPendingRequester(groupPk: number, userId: string): Promise<string | undefined>;
  /** The group's participants, as its business sees them, in the order they joined. */
  listParticipants(groupPk: number): Promise<UserIdentity[]>;
  /**
   * Removes each user named (by number or by BSUID, de-duplicated) that is a participant, in one atomic step.
   */
  removeParticipants(
    groupPk: number,
    users: readonly UserRef[],
    options: RemoveOptions,
    events: EventsFor<RemovalOutcome[]>,
  ): Promise<RemovalOutcome[]>;

  /**
   * Takes up to `limit` due events for delivery and hides them from other claimers until `leaseUntil`. Only the
   * oldest undelivered event of each group is ever due, so a group's events go out one at a time, in order.
   */
  claimWebhookEvents(now: number, limit: number, leaseUntil: number): Promise<ClaimedWebhookEvent[]>;
  /** Logs one delivery attempt and moves its event on (and out of its lease). */
  recordWebhookAttempt(attempt: WebhookAttempt, verdict: AttemptVerdict): Promise<void>;
  /** The delivery log, newest first. */
  listWebhookEvents(filter: WebhookEventFilter): Promise<WebhookEventRecord[]>;
  findWebhookEvent(
    id: number,
  ): Promise<{ event: WebhookEventRecord; attempts: WebhookAttempt[] } | undefined>;
  /** Queues the event again for delivery now, whatever its state; false when there is no such event. */
  replayWebhookEvent(id: number, now: number): Promise<boolean>;
  findWebhookSettings(appId: string): Promise<WebhookSettings | undefined>;
  saveWebhookSettings(settings: WebhookSettings): Promise<void>;
  /**
   * Deletes up to `limit` settled events (delivered, failed, skipped) created before `before`, with their attempts,
   * oldest first; returns how many went. Pending events are never pruned.
   */
  pruneWebhookEvents(before: number, limit: number): Promise<number>;
  /** Replaces the app secret webhooks are signed with; false when no business has this app. */
  /** Changes an app's Graph settings (appsecret_proof, default version); false when no business has this app. */
  setAppSettings(appId: string, patch: AppSettingsPatch): Promise<boolean>;
  setAppSecret(appId: string, appSecret: string): Promise<boolean>;

  /**
   * Calls `listener` after each commit through this store that queued webhook events or made one due again (a
   * replay), so the deliverer in this process need not wait for its poll. Returns the unsubscribe.
   */
  onEventsAppended(listener: () => void): () => void;

  /**
   * Appends a batch of request-journal entries in one write, then drops the oldest so that at most `maxEntries`
   * remain (fewer when ids have gaps: entries deleted, or numbers another instance took and did not use).
   */
  appendJournalEntries(entries: readonly NewJournalEntry[], maxEntries: number): Promise<void>;
  /** Journal entries that match, newest first, at most `limit`. */
  listJournalEntries(filter: JournalFilter, limit: number): Promise<JournalEntryRecord[]>;
  countJournalEntries(filter: JournalFilter): Promise<number>;
  /**
   * Deletes the journal entries of one business (by WABA id: for whoever deletes a business), or every entry when
   * no `wabaId` is given; returns how many went.
   */
  deleteJournalEntries(filter?: { wabaId?: string }): Promise<number>;
  /** The virtual clock's shared state (real time, version 0, until first changed). */
  readClock(): Promise<ClockState>;
  /**
   * Reads the clock's state under the store's lock, saves what `change` makes of it (it may throw to change
   * nothing), and returns the saved state. Every instance on the store hears of it through `onClockChanged`.
   */
  updateClock(change: (current: ClockState) => ClockState): Promise<ClockState>;
  /**
   * Calls `listener` after a change of the clock's state by any instance sharing the store (a reset included), so
   * that each keeps the state in memory and reads it back only then. Returns the unsubscribe.
   */
  onClockChanged(listener: () => void): () => void;

  /** Answers a read and commits a write that changes nothing (storage/health-probe); throws when either fails. */
  checkHealth(): Promise<void>;
  /** Empties every table and returns the clock to real time; the schema stays. */
  /**
   * The state (domain/state): every business, or the one with this WABA id (undefined when there is none). Read in
   * one transaction, so that it is consistent however many calls are under way.
   */
  exportState(filter: { wabaId?: string }): Promise<StateSnapshot | undefined>;
  /**
   * Replaces the state with the snapshot, atomically: all of it (the delivery log emptied too), or with `wabaId`
   * just that business (deleted as deleteBusiness does, then the snapshot's businesses inserted). Takes the locks
   * the writes take. Throws StoreConflictError when an id, token or invite code is taken by a business it keeps.
   */
  importState(snapshot: StateSnapshot, scope: { wabaId?: string }): Promise<void>;
  /** Empties every table; the schema stays. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** A unique key was taken (an id collision, or a constraint a caller could race on). */
export class StoreConflictError extends Error {
  override readonly name = 'StoreConflictError';
}
