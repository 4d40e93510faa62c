/**
 * @module storage/store — the one persistence interface. Every state change a caller can race on (deciding,
 * joining, cancelling, creating within a limit) is a single Store method, so each backend can make it atomic
 * in its own way (an immediate transaction in SQLite, row locks in PostgreSQL) and no caller ever reads then
 * writes across two calls.
 */
import type {
  BusinessRecord,
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

export type * from '../domain/records.js';
export interface Store {
  /** Which backend this is, for logs and the health endpoint. */
  readonly kind: 'sqlite' | 'postgres';

  createBusiness(business: NewBusiness): Promise<BusinessRecord>;
  findBusinessByPhoneNumberId(phoneNumberId: string): Promise<BusinessRecord | undefined>;
  findBusinessByWabaId(wabaId: string): Promise<BusinessRecord | undefined>;
  /** The oldest business with this name, if any (the demo seed finds its own business this way). */
  findBusinessByName(name: string): Promise<BusinessRecord | undefined>;

  createAccessToken(token: NewAccessToken): Promise<void>;
  findAccessToken(token: string): Promise<TokenLookup | undefined>;
  /** True when the token existed and was not already revoked. */
  revokeAccessToken(token: string, now: number): Promise<boolean>;

  /** Creates the group unless the business already has `maxGroups` active groups (then returns 'limit_reached'). */
  createGroup(group: NewGroup, maxGroups: number): Promise<GroupRecord | 'limit_reached'>;
  findGroupById(groupId: string): Promise<GroupRecord | undefined>;
  findGroupByInviteCode(inviteCode: string): Promise<GroupRecord | undefined>;
  /** Active groups of a business, newest first. */
  listGroups(businessPk: number, query: KeysetQuery): Promise<KeysetPage<GroupRecord>>;

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
  ): Promise<DecisionOutcome[]>;

  /** A user opens the invite link: a pending request on approval_required groups, membership on auto_approve. */
  requestToJoin(group: GroupRecord, input: JoinInput): Promise<JoinOutcome>;
  /** The user withdraws their pending request; returns its id, or undefined when it was not pending. */
  cancelJoinRequest(groupPk: number, joinRequestId: string, now: number): Promise<string | undefined>;
  listParticipants(groupPk: number): Promise<string[]>;

  /** Empties every table; the schema stays. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** A unique key was taken (an id collision, or a constraint a caller could race on). */
export class StoreConflictError extends Error {
  override readonly name = 'StoreConflictError';
}
