/**
 * @module server/surface — which surface a request URL is on, decided as the router decides it. The router
 * percent-decodes the path (and ignores a trailing slash), so `/%5Fgroupgate/businesses` is a control route; a
 * check on the raw URL had answered its errors in Graph's envelope. Every place that picks the surface asks here.
 */

/** The first path segment of `url`, percent-decoded as the router decodes it (as sent when it cannot be decoded). */
export function firstPathSegment(url: string): string {
  const end = url.slice(1).search(/[/?#]/);
  const segment = end === -1 ? url : url.slice(0, end + 1);
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export const CONTROL_SEGMENT = '/_groupgate';
export const CONSOLE_SEGMENT = '/console';

/** Whether a request URL is on the control API, whose errors are their own family. */
export function isControlPath(url: string): boolean {
  return firstPathSegment(url) === CONTROL_SEGMENT;
}
