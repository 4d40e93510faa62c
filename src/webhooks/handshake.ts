/**
 * @module webhooks/handshake — Meta's verification request, sent whenever a callback URL or verify token is set:
 * `GET <callback>?hub.mode=subscribe&hub.challenge=<random>&hub.verify_token=<token>`, which the endpoint must
 * answer with 200 and the bare challenge. Anything else leaves the URL unverified, and the setting is refused.
 */
import { randomBytes } from 'node:crypto';

export type HandshakeResult = { ok: true } | { ok: false; reason: string };

/** Meta's challenges are decimal numbers; an endpoint that parses them as such keeps working here. */
function newChallenge(): string {
  return String(randomBytes(6).readUIntBE(0, 6));
}

export async function verifyCallbackUrl(
  callbackUrl: string,
  verifyToken: string,
  timeoutMs: number,
): Promise<HandshakeResult> {
  const challenge = newChallenge();
  const url = new URL(callbackUrl);
  url.searchParams.set('hub.mode', 'subscribe');
  url.searchParams.set('hub.challenge', challenge);
  url.searchParams.set('hub.verify_token', verifyToken);
  let status: number;
  let body: string;
  try {
    const response = await fetch(url, {
      headers: { 'user-agent': 'facebookplatform/1.0 (+http://developers.facebook.com)' },
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    status = response.status;
    body = (await response.text()).slice(0, 1000);
  } catch (error) {
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
