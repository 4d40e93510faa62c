/**
 * @module webhooks/callback-url — whether a callback URL can be called at all: an absolute http(s) URL, with a host
 * and a port in range, as WHATWG URL (what fetch uses) parses it, and no credentials, which fetch refuses to send.
 * Checked before any handshake, so a URL fetch cannot even build is the caller's error, not a 500.
 */

/** Why `raw` cannot be a callback URL, worded to follow its name ("… is not a valid URL"), or undefined when it can. */
export function callbackUrlProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `is not a valid URL (a host, and a port from 1 to 65535 if any): ${JSON.stringify(raw)}`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `must be an http or https URL, got ${url.protocol}`;
  }
  if (url.hostname === '') return `has no host: ${JSON.stringify(raw)}`;
  if (url.username !== '' || url.password !== '') {
    return 'must not carry credentials (user:password@): Meta sends none, and fetch refuses them';
  }
  return undefined;
}
