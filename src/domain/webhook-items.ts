/**
 * @module domain/webhook-items — the `value.groups[]` item of every Groups webhook, exactly as Meta's webhook docs
 * show them (reference §3; the choices where the spec and the docs disagree are in docs/webhooks.md). Pure: the
 * server stamps and queues them.
 */
import type { ItemError, JoinApprovalMode } from '@groupgate/sdk/contract';
import { GRAPH_ERRORS } from './error-catalog.js';
import { webhookError } from './item-errors.js';
import type { GroupRecord, WebhookField } from './records.js';
import { userWire, type UserIdentity, type UserRef } from './users.js';

/** One `groups[]` item and the field it is sent under. */
export interface WebhookItem {
  field: WebhookField;
  item: Record<string, unknown>;
}

/** Meta's samples quote the timestamp, as `messages` webhooks do (reference §1.13, point 3). */
function stamp(now: number): string {
  return String(now);
}

/** `description` goes out when the group has one, as in the spec's example and Meta's failure sample. */
export function groupCreated(group: GroupRecord, inviteLink: string, now: number): WebhookItem {
  return {
    field: 'group_lifecycle_update',
    item: {
      timestamp: stamp(now),
      group_id: group.groupId,
      type: 'group_create',
      request_id: group.requestId,
      subject: group.subject,
      ...(group.description !== '' && { description: group.description }),
      invite_link: inviteLink,
      join_approval_mode: group.joinApprovalMode satisfies JoinApprovalMode,
    },
  };
}

/**
 * Creation failed after the call was accepted: Meta's failure sample (reference §3.2) — the subject and
 * description asked for, the request id, and `errors[]`; no invite link, since there is no group to join.
 */
export function groupCreateFailed(group: GroupRecord, error: ItemError, now: number): WebhookItem {
  return {
    field: 'group_lifecycle_update',
    item: {
      timestamp: stamp(now),
      type: 'group_create',
      subject: group.subject,
      ...(group.description !== '' && { description: group.description }),
      request_id: group.requestId,
      group_id: group.groupId,
      errors: [error],
    },
  };
}

/** `errors` present when the deletion failed and the group is still there. */
export function groupDeleted(
  group: GroupRecord,
  requestId: string,
  now: number,
  error?: ItemError,
): WebhookItem {
  return {
    field: 'group_lifecycle_update',
    item: {
      timestamp: stamp(now),
      group_id: group.groupId,
      type: 'group_delete',
      request_id: requestId,
      ...(error !== undefined && { errors: [error] }),
    },
  };
}

/**
 * Users who came in through the invite link: straight in on an auto-approve group (`{wa_id, user_id}` items), or
 * approved by the business (`{input, wa_id, user_id}` items, one webhook for a whole bulk approval). Every user item
 * carries the user's BSUID fields and leaves `wa_id` out for a hidden number ([BSUID]); an approval's `input` is
 * what the business could have named them by: the number, or the BSUID when the number is hidden.
 */
export function participantsJoined(
  group: GroupRecord,
  users: readonly UserIdentity[],
  approved: boolean,
  now: number,
): WebhookItem {
  return {
    field: 'group_participants_update',
    item: {
      timestamp: stamp(now),
      group_id: group.groupId,
      type: 'group_participants_add',
      reason: 'invite_link',
      added_participants: users.map((user) =>
        approved ? { input: user.phoneHidden ? user.userId : user.waId, ...userWire(user) } : userWire(user),
      ),
    },
  };
}

/** Meta documents a `reason` on these items without listing its values; see docs/webhooks.md for ours. */
export function joinRequestChanged(
  group: GroupRecord,
  change: 'created' | 'revoked',
  joinRequestId: string,
  user: UserIdentity,
  now: number,
): WebhookItem {
  return {
    field: 'group_participants_update',
    item: {
      timestamp: stamp(now),
      group_id: group.groupId,
      type: change === 'created' ? 'group_join_request_created' : 'group_join_request_revoked',
      reason: change === 'created' ? 'invite_link' : 'user_cancelled',
      join_request_id: joinRequestId,
      ...userWire(user),
    },
  };
}

/** The per-user error of a removal that failed: the user was not in the group. */
export const NOT_A_PARTICIPANT_ERROR = webhookError(
  GRAPH_ERRORS.PARTICIPANT_NOT_IN_GROUP,
  'The user is not a participant of this group.',
);

/**
 * The business removed participants: `input` echoes what it sent (a phone number or a BSUID, [BSUID]), and a
 * removed item carries the user's own fields as every participant item does. A failed item is `{input, errors}`:
 * a user who is not in the group may be no one Groupgate knows.
 */
export function participantsRemovedByBusiness(
  group: GroupRecord,
  requestId: string,
  removed: readonly { ref: UserRef; user: UserIdentity }[],
  failed: readonly UserRef[],
  now: number,
): WebhookItem {
  const item: Record<string, unknown> = {
    timestamp: stamp(now),
    group_id: group.groupId,
    type: 'group_participants_remove',
    request_id: requestId,
    removed_participants: removed.map(({ ref, user }) => ({ input: ref.input, ...userWire(user) })),
    initiated_by: 'business',
  };
  if (failed.length > 0) {
    item['failed_participants'] = failed.map((ref) => ({
      input: ref.input,
      errors: [NOT_A_PARTICIPANT_ERROR],
    }));
    item['errors'] = [
      webhookError(
        GRAPH_ERRORS.NOT_ALL_PARTICIPANTS_REMOVED,
        `${failed.length} of ${removed.length + failed.length} participants were not removed.`,
      ),
    ];
  }
  return { field: 'group_participants_update', item };
}

export function participantLeft(group: GroupRecord, user: UserIdentity, now: number): WebhookItem {
  return {
    field: 'group_participants_update',
    item: {
      timestamp: stamp(now),
      group_id: group.groupId,
      type: 'group_participants_remove',
      removed_participants: [userWire(user)],
      initiated_by: 'participant',
    },
  };
}

/** The fields a settings update changes, as its webhook names them. */
export const SETTINGS_FIELDS = ['subject', 'description', 'profile_picture'] as const;
export type SettingsField = (typeof SETTINGS_FIELDS)[number];

export interface SettingsChange {
  subject?: string;
  description?: string;
  /** `sha256`: hex, as stored; the webhook carries it in base64, as Meta's media hashes are. */
  photo?: { sha256: string };
}

/** What failed in a settings update: the fields, and the error each reports. */
export interface SettingsFailure {
  fields: readonly SettingsField[];
  error: ItemError;
}

/**
 * One sub-object per field the call asked to change; unchanged fields are left out (reference §3.4). A field that
 * failed has `update_successful: false` and its own `errors[]`, and the item then has a top-level `errors[]`: the
 * field's error when every field failed, 131201 "Request partially succeeded" when some went through.
 */
export function settingsUpdated(
  group: GroupRecord,
  requestId: string,
  change: SettingsChange,
  now: number,
  failure?: SettingsFailure,
): WebhookItem {
  const failed = new Set<SettingsField>(failure?.fields ?? []);
  const outcome = (field: SettingsField) =>
    failed.has(field) && failure !== undefined
      ? { update_successful: false, errors: [failure.error] }
      : { update_successful: true };
  const item: Record<string, unknown> = {
    timestamp: stamp(now),
    group_id: group.groupId,
    type: 'group_settings_update',
    request_id: requestId,
  };
  let asked = 0;
  if (change.photo !== undefined) {
    asked++;
    item['profile_picture'] = {
      mime_type: 'image/jpeg',
      sha256: Buffer.from(change.photo.sha256, 'hex').toString('base64'),
      ...outcome('profile_picture'),
    };
  }
  if (change.subject !== undefined) {
    asked++;
    item['group_subject'] = { text: change.subject, ...outcome('subject') };
  }
  if (change.description !== undefined) {
    asked++;
    item['group_description'] = { text: change.description, ...outcome('description') };
  }
  if (failure !== undefined && failed.size > 0) {
    item['errors'] =
      failed.size < asked
        ? [
            webhookError(
              GRAPH_ERRORS.PARTIAL_SUCCESS,
              `${failed.size} of ${asked} settings were not updated: ${[...failed].join(', ')}.`,
            ),
          ]
        : [failure.error];
  }
  return { field: 'group_settings_update', item };
}

export function statusChanged(group: GroupRecord, suspended: boolean, now: number): WebhookItem {
  return {
    field: 'group_status_update',
    item: {
      timestamp: stamp(now),
      type: suspended ? 'group_suspend' : 'group_suspend_cleared',
      group_id: group.groupId,
    },
  };
}
