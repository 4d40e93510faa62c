/**
 * @module webhooks/callback-request — the one way Groupgate calls a receiver's URL (the verification handshake and
 * every delivery): only hosts the operator allows, with a timeout that covers the whole answer, and reading at
 * most a few bytes of it. A callback URL is set by a client, so its answer is untrusted input: a receiver
 * streaming gigabytes must cost Groupgate nothing.
 */

export interface CallbackPolicy {
  /** Connecting to the last byte read of the answer. */
  timeoutMs: number;
  /** Host names callbacks may point at (`*.example.com` for subdomains); undefined: any. */
  allowHosts: readonly string[] | undefined;
}

/** A challenge is a dozen digits; nothing longer is ever needed from an answer. */
export const MAX_ANSWER_BYTES = 1024;

export class CallbackHostRefused extends Error {
  override readonly name = 'CallbackHostRefused';
}

/** Whether `url`'s host is on the allow-list (always, without one). */
export function isHostAllowed(url: URL, allowHosts: readonly string[] | undefined): boolean {
  if (allowHosts === undefined) return true;
  // URL keeps IPv6 hosts in brackets; the list may name them either way.
  const host = url.hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return allowHosts.some((allowed) => {
    const entry = allowed.toLowerCase().replace(/^\[(.*)\]$/, '$1');
    return entry.startsWith('*.') ? host.endsWith(entry.slice(1)) : host === entry;
  });
}

export function hostRefusal(url: URL): string {
  return `the callback host ${url.hostname} is not in the allowed hosts (--webhook-allow-hosts)`;
}

/** Parses `--webhook-allow-hosts`: comma-separated host names, `*.` for any subdomain. */
export function parseAllowHosts(raw: string): string[] {
  const hosts = raw
    .split(',')
    .map((host) => host.trim().toLowerCase())
    .filter((host) => host !== '');
  for (const host of hosts) {
    if (!/^(?:\*\.)?[a-z0-9_.:[\]-]+$/.test(host)) {
      throw new Error(`an allowed webhook host is a host name, "*.domain" or an IP address; got "${host}"`);
    }
  }
  if (hosts.length === 0) throw new Error('--webhook-allow-hosts needs at least one host');
  return hosts;
}

/**
 * Calls `url` and answers its status and the first `maxBodyBytes` of its body (the rest is never read). Throws
 * CallbackHostRefused for a host off the allow-list, and fetch's errors for a failure or the timeout.
 */
export async function requestCallback(
  url: URL,
  init: Omit<RequestInit, 'signal' | 'redirect'>,
  policy: CallbackPolicy,
  maxBodyBytes: number,
): Promise<{ status: number; body: string }> {
  if (!isHostAllowed(url, policy.allowHosts)) throw new CallbackHostRefused(hostRefusal(url));
  const response = await fetch(url, {
    ...init,
    // A redirect could lead anywhere, past the allow-list; Meta does not follow them either.
    redirect: 'manual',
    signal: AbortSignal.timeout(policy.timeoutMs),
  });
  const reader = response.body?.getReader();
  if (reader === undefined) return { status: response.status, body: '' };
  const chunks: Uint8Array[] = [];
  let kept = 0;
  try {
    while (kept < maxBodyBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      const part = value.subarray(0, maxBodyBytes - kept);
      chunks.push(part);
      kept += part.length;
    }
  } finally {
    // Whatever is left is dropped unread, and the connection with it.
    await reader.cancel().catch(() => {});
  }
  return { status: response.status, body: Buffer.concat(chunks).toString('utf8') };
}
