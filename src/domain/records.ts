/**
 * @module domain/records — the domain model as the rest of the code sees it: businesses, groups, join requests and
 * the outcomes of deciding them. Storage backends persist these; the server and domain rules work on them.
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

/**
 * A page of pending join requests with `data` already rendered as Meta's JSON items, joined by commas. Listing is
 * the hot path, and handing one string across the driver boundary is several times cheaper than building row
 * objects and serialising them again (measured in docs/performance.md).
 */
export interface RenderedJoinRequestPage {
  /** `{"join_request_id":…,"wa_id":…,"creation_timestamp":…},…` in page order; '' for an empty page. */
  itemsJson: string;
  count: number;
  /** Keyset keys of the first and last item (0 for an empty page). */
  firstKey: number;
  lastKey: number;
  hasNext: boolean;
  hasPrevious: boolean;
}

/** Where a page stands among its neighbours, whatever its items are. */
export interface PagePosition {
  firstKey: number;
  lastKey: number;
  hasNext: boolean;
  hasPrevious: boolean;
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
