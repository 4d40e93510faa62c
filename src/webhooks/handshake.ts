/**
 * @module webhooks/handshake — Meta's verification request, sent whenever a callback URL or verify token is set:
 * `GET <callback>?hub.mode=subscribe&hub.challenge=<random>&hub.verify_token=<token>`, which the endpoint must
 * answer with 200 and the bare challenge. Anything else leaves the URL unverified, and the setting is refused.
 */
import { randomBytes } from 'node:crypto';
import {
  CallbackHostRefused,
  MAX_ANSWER_BYTES,
  requestCallback,
  type CallbackPolicy,
} from './callback-request.js';

export type HandshakeResult = { ok: true } | { ok: false; reason: string };

/** Meta's challenges are decimal numbers; an endpoint that parses them as such keeps working here. */
function newChallenge(): string {
  return String(randomBytes(6).readUIntBE(0, 6));
}

export async function verifyCallbackUrl(
  callbackUrl: string,
  verifyToken: string,
  policy: CallbackPolicy,
): Promise<HandshakeResult> {
  const challenge = newChallenge();
  let status: number;
  let body: string;
  try {
    const url = new URL(callbackUrl);
    url.searchParams.set('hub.mode', 'subscribe');
    url.searchParams.set('hub.challenge', challenge);
    url.searchParams.set('hub.verify_token', verifyToken);
    ({ status, body } = await requestCallback(
      url,
      { headers: { 'user-agent': 'facebookplatform/1.0 (+http://developers.facebook.com)' } },
      policy,
      MAX_ANSWER_BYTES,
    ));
  } catch (error) {
    if (error instanceof CallbackHostRefused)
      return { ok: false, reason: `The URL was refused: ${error.message}` };
    const detail =
      error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : '';
    return {
      ok: false,
      reason: `The URL couldn't be validated. Callback verification failed with the following errors: ${detail}`,
    };
  }
  if (status !== 200) {
    return {
      ok: false,
      reason: `The URL couldn't be validated. Callback verification failed with the following errors: HTTP Status Code = ${status}`,
    };
  }
  if (body.trim() !== challenge) {
    return {
      ok: false,
      reason: `The URL couldn't be validated. Response does not match challenge, expected value="${challenge}", received="${body.slice(0, 100)}"`,
    };
  }
  return { ok: true };
}
