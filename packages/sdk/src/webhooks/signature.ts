/**
 * @module webhooks/signature — checks `X-Hub-Signature-256` on the raw body with Web Crypto, which Node ≥ 20,
 * browsers and edge runtimes all have. The comparison takes the same time wherever the first difference is.
 */

const encoder = new TextEncoder();

function toBytes(value: string | Uint8Array | ArrayBuffer): Uint8Array<ArrayBuffer> {
  if (typeof value === 'string') return encoder.encode(value);
  // A copy: Web Crypto takes only views of a plain ArrayBuffer, and the caller's may be shared.
  return new Uint8Array(value instanceof Uint8Array ? value : new Uint8Array(value));
}

function hex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
}

function constantTimeEqual(a: string, b: string): boolean {
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  let difference = left.length ^ right.length;
  for (let i = 0; i < left.length; i++) difference |= (left[i] ?? 0) ^ (right[i % right.length] ?? 0);
  return difference === 0;
}

/** `sha256=<hex>` for a body: what Meta (and Groupgate) send. */
export async function signBody(
  rawBody: string | Uint8Array | ArrayBuffer,
  appSecret: string,
): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(appSecret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  return `sha256=${hex(await crypto.subtle.sign('HMAC', key, toBytes(rawBody)))}`;
}

/**
 * True when `header` (the `X-Hub-Signature-256` value) signs `rawBody` with `appSecret`. Pass the body exactly as
 * received: re-serialised JSON does not match.
 */
export async function verifySignature(
  rawBody: string | Uint8Array | ArrayBuffer,
  header: string | null | undefined,
  appSecret: string,
): Promise<boolean> {
  if (typeof header !== 'string' || !header.startsWith('sha256=')) return false;
  return constantTimeEqual(header, await signBody(rawBody, appSecret));
}

/**
 * The answer to Meta's verification GET (`hub.mode=subscribe&hub.challenge=…&hub.verify_token=…`): 200 with the
 * bare challenge when the token is yours, 403 otherwise.
 */
export function answerChallenge(
  query: URLSearchParams | Record<string, string | undefined>,
  verifyToken: string,
): { status: 200 | 403; body: string } {
  const get = (name: string) =>
    (query instanceof URLSearchParams ? query.get(name) : query[name]) ?? undefined;
  const challenge = get('hub.challenge');
  if (get('hub.mode') === 'subscribe' && get('hub.verify_token') === verifyToken && challenge !== undefined) {
    return { status: 200, body: challenge };
  }
  return { status: 403, body: 'verification failed' };
}
