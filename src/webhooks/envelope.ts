/**
 * @module webhooks/envelope — the body of a webhook POST: Meta's `whatsapp_business_account` envelope around one
 * `groups[]` item (reference §3.1). Built from the stored item text, so the bytes signed are the bytes sent, and a
 * replay sends exactly what the first attempt did.
 */
import type { ClaimedWebhookEvent } from '../domain/records.js';

export function renderEnvelope(event: ClaimedWebhookEvent): string {
  const metadata = JSON.stringify({
    // Digits only, as in every example of Meta's spec ('15550783881'), whatever the business shows elsewhere.
    display_phone_number: event.displayPhoneNumber.replace(/\D/g, ''),
    phone_number_id: event.phoneNumberId,
  });
  return (
    `{"object":"whatsapp_business_account","entry":[{"id":${JSON.stringify(event.wabaId)},"changes":[{` +
    `"value":{"messaging_product":"whatsapp","metadata":${metadata},"groups":[${event.itemJson}]},` +
    `"field":${JSON.stringify(event.field)}}]}]}`
  );
}
