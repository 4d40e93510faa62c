/** @module contract/join-requests — wire types of `/{version}/{group_id}/join_requests`. */
import type { ItemError } from './graph-error.js';
import type { Paging } from './paging.js';

export interface JoinRequest {
  join_request_id: string;
  wa_id: string;
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
