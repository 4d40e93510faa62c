/** @module contract/join-requests — wire types of `/{version}/{group_id}/join_requests`. */
import type { ItemError } from './graph-error.js';
import type { Paging } from './paging.js';

/**
 * A user as Graph names them (2026, business-scoped user ids): `user_id` always; `wa_id` only when the user has not
 * hidden their number behind a username; `username` and `parent_user_id` when they exist.
 */
export interface UserFields {
  /** Absent when the user hides their phone number: key on `user_id`. */
  wa_id?: string;
  /** The business-scoped user id (BSUID): `CC.` and up to 128 alphanumerics, e.g. `US.13491208655302741918`. */
  user_id: string;
  username?: string;
  /** The parent BSUID (`US.ENT.…`), only for linked portfolios with parent BSUIDs enabled. */
  parent_user_id?: string;
}

export interface JoinRequest extends UserFields {
  join_request_id: string;
  /** Unix seconds. */
  creation_timestamp: number;
}

export interface JoinRequestsPage {
  data: JoinRequest[];
  paging?: Paging;
}

export interface DecideJoinRequestsBody {
  messaging_product: 'whatsapp';
  join_requests: string[];
}

export interface FailedJoinRequest {
  join_request_id: string;
  errors: ItemError[];
}

export interface ApproveJoinRequestsResponse {
  messaging_product: 'whatsapp';
  approved_join_requests: string[];
  failed_join_requests?: FailedJoinRequest[];
  errors?: ItemError[];
}

export interface RejectJoinRequestsResponse {
  messaging_product: 'whatsapp';
  rejected_join_requests: string[];
  failed_join_requests?: FailedJoinRequest[];
  errors?: ItemError[];
}
