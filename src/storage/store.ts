/**
 * @module storage/store — the one persistence interface. Every state change a caller can race on (deciding,
 * joining, cancelling, creating within a limit) is a single Store method, so each backend can make it atomic
 * in its own way (an immediate transaction in SQLite, row locks in PostgreSQL) and no caller ever reads then
 * writes across two calls.
 */
import type { JoinApprovalMode } from '../contract/groups.js';

export interface BusinessRecord {
  pk: number;
  wabaId: string;
  phoneNumberId: string;
  phoneDigits: string;
  displayPhoneNumber: string;
  appId: string;
  appSecret: string;
  name: string;
  createdAt: number;
}

export type NewBusiness = Omit<BusinessRecord, 'pk'>;

export interface NewAccessToken {
  token: string;
  businessPk: number;
  createdAt: number;
  /** Unix seconds; null never expires. */
  expiresAt: number | null;
}

/** What a token resolves to; the caller decides what an expired or revoked token means. */
export interface TokenLookup {
  business: BusinessRecord;
  expiresAt: number | null;
  revokedAt: number | null;
}

export interface GroupRecord {
  pk: number;
  groupId: string;
  groupNumber: string;
  businessPk: number;
  requestId: string;
  subject: string;
  description: string;
  joinApprovalMode: JoinApprovalMode;
  inviteCode: string;
  participantCount: number;
  createdAt: number;
}

export type NewGroup = Omit<GroupRecord, 'pk' | 'participantCount'>;

export interface PendingJoinRequest {
  /** Position in creation order; the keyset pagination key. */
  key: number;
  joinRequestId: string;
  waId: string;
  createdAt: number;
}

/** Keyset page request: at most one of after/before, both exclusive. */
export interface KeysetQuery {
  after?: number;
  before?: number;
  limit: number;
}

export interface KeysetPage<T> {
  items: T[];
  /** More rows beyond the last item, in page order. */
  hasNext: boolean;
  /** Rows before the first item, in page order. */
  hasPrevious: boolean;
}

export type Decision = 'approve' | 'reject';

export type DecisionOutcome =
  | { joinRequestId: string; result: 'decided'; waId: string }
  | { joinRequestId: string; result: 'not_pending' }
  | { joinRequestId: string; result: 'group_full' };

export interface DecideOptions {
  now: number;
  /** Most participants a group may hold, the business not counted. */
  maxParticipants: number;
}

export type JoinOutcome =
  | { status: 'requested'; joinRequestId: string; created: boolean }
  | { status: 'joined' }
  | { status: 'already_participant' }
  | { status: 'group_full' };

export interface JoinInput {
  waId: string;
  joinRequestId: string;
  now: number;
  maxParticipants: number;
}

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

  /** Pending join requests of a group, oldest first. */
  listPendingJoinRequests(groupPk: number, query: KeysetQuery): Promise<KeysetPage<PendingJoinRequest>>;
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
  /** The user withdraws their pending request; returns its id, or undefined when none was pending. */
  cancelJoinRequest(groupPk: number, waId: string, now: number): Promise<string | undefined>;
  listParticipants(groupPk: number): Promise<string[]>;

  /** Empties every table; the schema stays. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** A unique key was taken (an id collision, or a constraint a caller could race on). */
export class StoreConflictError extends Error {
  override readonly name = 'StoreConflictError';
}
