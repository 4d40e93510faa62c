/** @module contract/webhooks — the Groups webhook fields an app subscribes to and receives in `changes[].field`. */
export const WEBHOOK_FIELDS = [
  'group_lifecycle_update',
  'group_participants_update',
  'group_settings_update',
  'group_status_update',
] as const;

export type WebhookField = (typeof WEBHOOK_FIELDS)[number];
