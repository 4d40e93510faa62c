/**
 * @module webhooks/events — a Groups webhook body as typed events: one per `groups[]` item, discriminated by
 * `type`, each with the business it is about. Types Meta adds later come through as `UnknownGroupEvent` (type
 * `unknown`) instead of failing the whole payload, and `switch (event.type)` still narrows.
 */
import type { ItemError, JoinApprovalMode, WebhookEnvelope, WebhookField } from '../contract/index.js';
import { WEBHOOK_FIELDS } from '../contract/index.js';

interface EventBase {
  field: WebhookField;
  /** The WABA id (`entry[].id`). */
  wabaId: string;
  phoneNumberId: string;
  displayPhoneNumber: string;
  /** Unix seconds (Meta sends a string; it is parsed). */
  timestamp: number;
  groupId: string;
  /** The item exactly as received. */
  raw: Record<string, unknown>;
}

export interface GroupCreateEvent extends EventBase {
  type: 'group_create';
  requestId: string;
  subject: string;
  /** Sent when the group has one (and in a failure, when one was asked for). */
  description: string | undefined;
  inviteLink: string | undefined;
  joinApprovalMode: JoinApprovalMode | undefined;
  /** Present when creation failed after it was accepted. */
  errors: ItemError[] | undefined;
}

export interface GroupDeleteEvent extends EventBase {
  type: 'group_delete';
  requestId: string;
  errors: ItemError[] | undefined;
}

/**
 * Who a user item names (2026, business-scoped user ids): `userId` (the BSUID) is what to key on; `waId` is
 * undefined when the user hides their number, and `username` / `parentUserId` are set only when Meta sends them.
 */
export interface EventUser {
  waId: string | undefined;
  userId: string | undefined;
  username: string | undefined;
  parentUserId: string | undefined;
}

export interface ParticipantsAddEvent extends EventBase {
  type: 'group_participants_add';
  reason: string | undefined;
  /** `input` is set when the business approved the user; absent when they joined an auto-approve group. */
  added: (EventUser & { input: string | undefined })[];
}

export interface ParticipantsRemoveEvent extends EventBase {
  type: 'group_participants_remove';
  initiatedBy: 'business' | 'participant' | undefined;
  /** Set when the business removed them. */
  requestId: string | undefined;
  /** `input` (a phone number or a BSUID, as the business sent it) is set when the business removed them. */
  removed: (EventUser & { input: string | undefined })[];
  failed: { input: string; errors: ItemError[] }[];
  errors: ItemError[] | undefined;
}

export interface JoinRequestEvent extends EventBase, EventUser {
  type: 'group_join_request_created' | 'group_join_request_revoked';
  joinRequestId: string;
  reason: string | undefined;
}

interface SettingChange<T> {
  value: T;
  updateSuccessful: boolean;
  errors: ItemError[] | undefined;
}

export interface SettingsUpdateEvent extends EventBase {
  type: 'group_settings_update';
  requestId: string;
  subject: SettingChange<string> | undefined;
  description: SettingChange<string> | undefined;
  profilePicture: SettingChange<{ mimeType: string; sha256: string }> | undefined;
  errors: ItemError[] | undefined;
}

export interface StatusEvent extends EventBase {
  type: 'group_suspend' | 'group_suspend_cleared';
}

/** A `groups[]` item of a type this SDK does not know yet; `raw` has all of it. */
export interface UnknownGroupEvent extends EventBase {
  type: 'unknown';
  /** The `type` Meta sent. */
  unknownType: string;
}

export type GroupEvent =
  | GroupCreateEvent
  | GroupDeleteEvent
  | ParticipantsAddEvent
  | ParticipantsRemoveEvent
  | JoinRequestEvent
  | SettingsUpdateEvent
  | StatusEvent;

export class WebhookPayloadError extends Error {
  override name = 'WebhookPayloadError';
}

type Item = Record<string, unknown>;

const str = (item: Item, key: string): string | undefined =>
  typeof item[key] === 'string' ? (item[key] as string) : undefined;
const errorsOf = (item: Item): ItemError[] | undefined =>
  Array.isArray(item['errors']) ? (item['errors'] as ItemError[]) : undefined;
const userOf = (item: Item): EventUser => ({
  waId: str(item, 'wa_id'),
  userId: str(item, 'user_id'),
  username: str(item, 'username'),
  parentUserId: str(item, 'parent_user_id'),
});
const list = (item: Item, key: string): Item[] => (Array.isArray(item[key]) ? (item[key] as Item[]) : []);

function setting<T>(raw: unknown, value: (item: Item) => T): SettingChange<T> | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const item = raw as Item;
  return { value: value(item), updateSuccessful: item['update_successful'] === true, errors: errorsOf(item) };
}

function toEvent(base: EventBase, item: Item): GroupEvent | UnknownGroupEvent {
  const type = str(item, 'type') ?? '';
  switch (type) {
    case 'group_create':
      return {
        ...base,
        type,
        requestId: str(item, 'request_id') ?? '',
        subject: str(item, 'subject') ?? '',
        description: str(item, 'description'),
        inviteLink: str(item, 'invite_link'),
        joinApprovalMode: str(item, 'join_approval_mode') as JoinApprovalMode | undefined,
        errors: errorsOf(item),
      };
    case 'group_delete':
      return { ...base, type, requestId: str(item, 'request_id') ?? '', errors: errorsOf(item) };
    case 'group_participants_add':
      return {
        ...base,
        type,
        reason: str(item, 'reason'),
        added: list(item, 'added_participants').map((p) => ({ ...userOf(p), input: str(p, 'input') })),
      };
    case 'group_participants_remove':
      return {
        ...base,
        type,
        initiatedBy: str(item, 'initiated_by') as 'business' | 'participant' | undefined,
        requestId: str(item, 'request_id'),
        removed: list(item, 'removed_participants').map((p) => ({ ...userOf(p), input: str(p, 'input') })),
        failed: list(item, 'failed_participants').map((p) => ({
          input: str(p, 'input') ?? '',
          errors: errorsOf(p) ?? [],
        })),
        errors: errorsOf(item),
      };
    case 'group_join_request_created':
    case 'group_join_request_revoked':
      return {
        ...base,
        type,
        joinRequestId: str(item, 'join_request_id') ?? '',
        ...userOf(item),
        reason: str(item, 'reason'),
      };
    case 'group_settings_update':
      return {
        ...base,
        type,
        requestId: str(item, 'request_id') ?? '',
        subject: setting(item['group_subject'], (s) => str(s, 'text') ?? ''),
        description: setting(item['group_description'], (s) => str(s, 'text') ?? ''),
        profilePicture: setting(item['profile_picture'], (s) => ({
          mimeType: str(s, 'mime_type') ?? '',
          sha256: str(s, 'sha256') ?? '',
        })),
        errors: errorsOf(item),
      };
    case 'group_suspend':
    case 'group_suspend_cleared':
      return { ...base, type };
    default:
      return { ...base, type: 'unknown', unknownType: type };
  }
}

/**
 * The Groups events in a webhook body (parsed JSON or the raw text). Changes of other fields (`messages`, …) are
 * skipped; a body that is not a WhatsApp Business Account webhook throws WebhookPayloadError.
 */
export function parseGroupEvents(body: unknown): (GroupEvent | UnknownGroupEvent)[] {
  const envelope = (typeof body === 'string' ? JSON.parse(body) : body) as WebhookEnvelope;
  if (envelope?.object !== 'whatsapp_business_account' || !Array.isArray(envelope.entry)) {
    throw new WebhookPayloadError('not a whatsapp_business_account webhook');
  }
  const events: (GroupEvent | UnknownGroupEvent)[] = [];
  for (const entry of envelope.entry) {
    for (const change of entry.changes ?? []) {
      if (!(WEBHOOK_FIELDS as readonly string[]).includes(change.field)) continue;
      for (const item of change.value.groups ?? []) {
        const base: EventBase = {
          field: change.field as WebhookField,
          wabaId: entry.id,
          phoneNumberId: change.value.metadata?.phone_number_id ?? '',
          displayPhoneNumber: change.value.metadata?.display_phone_number ?? '',
          timestamp: Number(item['timestamp'] ?? 0),
          groupId: str(item, 'group_id') ?? '',
          raw: item,
        };
        events.push(toEvent(base, item));
      }
    }
  }
  return events;
}
