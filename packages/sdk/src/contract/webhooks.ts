/** @module contract/webhooks — the Groups webhook fields an app subscribes to and receives in `changes[].field`. */
export const WEBHOOK_FIELDS = [
  'group_lifecycle_update',
  'group_participants_update',
  'group_settings_update',
  'group_status_update',
] as const;

export type WebhookField = (typeof WEBHOOK_FIELDS)[number];

/** The body of every webhook POST. */
export interface WebhookEnvelope {
  object: 'whatsapp_business_account';
  entry: {
    /** The WABA id. */
    id: string;
    changes: {
      field: string;
      value: {
        messaging_product: 'whatsapp';
        metadata: { display_phone_number: string; phone_number_id: string };
        groups?: Record<string, unknown>[];
      };
    }[];
  }[];
}
