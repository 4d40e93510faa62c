/** @module contract/groups — wire types of `/{version}/{phone_number_id}/groups` and `/{group_id}/invite_link`. */
import type { UserFields } from './join-requests.js';
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

/** Every field `GET /{group_id}?fields=…` can return, besides `id` and `messaging_product`. */
export interface GroupInfoFields {
  join_approval_mode: JoinApprovalMode;
  subject: string;
  description: string;
  suspended: boolean;
  /** Unix seconds. */
  creation_timestamp: number;
  participants: UserFields[];
  /** The business is not counted. */
  total_participant_count: number;
}

export type GroupInfoField = keyof GroupInfoFields;

export const GROUP_INFO_FIELDS: readonly GroupInfoField[] = [
  'join_approval_mode',
  'subject',
  'description',
  'suspended',
  'creation_timestamp',
  'participants',
  'total_participant_count',
];

/** GroupInfo with the fields asked for. */
export type GroupInfo<F extends GroupInfoField = never> = {
  id: string;
  messaging_product: 'whatsapp';
} & Pick<GroupInfoFields, F>;
