/**
 * @module webhooks/signature — Meta's `X-Hub-Signature-256` header: the HMAC-SHA256 of the exact body bytes, keyed
 * with the app secret, as `sha256=<hex>`.
 */
import { createHmac } from 'node:crypto';

export function signatureOf(body: string | Uint8Array, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`;
}
