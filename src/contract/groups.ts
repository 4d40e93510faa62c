/** @module contract/groups — wire types of `/{version}/{phone_number_id}/groups` and `/{group_id}/invite_link`. */
import type { Paging } from './paging.js';

export type JoinApprovalMode = 'approval_required' | 'auto_approve';

export interface CreateGroupBody {
  messaging_product: 'whatsapp';
  subject: string;
  description?: string;
  join_approval_mode?: JoinApprovalMode;
}

export interface CreateGroupResponse {
  messaging_product: 'whatsapp';
  request_id: string;
}

export interface GroupSummary {
  id: string;
  subject: string;
  /** Unix seconds, as a string: the spec types it string, Meta's prose calls it a UNIX timestamp. */
  created_at: string;
}

export interface GroupsPage {
  data: { groups: GroupSummary[] };
  paging?: Paging;
}

export interface InviteLinkResponse {
  messaging_product: 'whatsapp';
  invite_link: string;
}
