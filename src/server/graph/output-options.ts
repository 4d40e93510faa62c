/**
 * @module server/graph/output-options — Graph's answer-shaping parameters, in one place for the edge router, the
 * error handler and (later) each item of a batch: `suppress_http_code=1` answers HTTP 200 whatever happened, the
 * error staying in the body (for clients that cannot read an error status, such as Flash and some embedded HTTP
 * stacks), and `pretty=1` indents the JSON. Absent, they cost two property reads.
 */

import { createHash } from 'node:crypto';

/** Graph reads these flags as `1` or `true`. */
function isOn(value: unknown): boolean {
  return value === '1' || value === 'true' || value === true || value === 1;
}

/** An answer about to be sent, shaped by the call's parameters. */
export interface ShapedAnswer {
  status: number;
  body: string;
}

/**
 * Applies `suppress_http_code` and `pretty` from `params` (the merged parameters, or the query and body record
 * the error handler has) to an answer. Returns the answer itself when neither is on.
 */
export function shapeAnswer(
  answer: ShapedAnswer,
  params: Readonly<Record<string, unknown>> | undefined,
): ShapedAnswer {
  if (params === undefined) return answer;
  const suppress = params['suppress_http_code'];
  const pretty = params['pretty'];
  if (suppress === undefined && pretty === undefined) return answer;
  return {
    status: isOn(suppress) ? 200 : answer.status,
    body: isOn(pretty) ? prettyJson(answer.body) : answer.body,
  };
}

/** Graph's pretty printing: three spaces a level, as graph.facebook.com answers `?pretty=1`. */
export function prettyJson(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 3);
  } catch {
    return body;
  }
}

/** The parameters an error answer is shaped by: the query's, and a form or JSON body's when one was read. */
export function errorShapingParams(query: unknown, body: unknown): Record<string, unknown> | undefined {
  const fromQuery =
    typeof query === 'object' && query !== null ? (query as Record<string, unknown>) : undefined;
  const fromBody =
    typeof body === 'object' && body !== null && !Array.isArray(body) && !Buffer.isBuffer(body)
      ? (body as Record<string, unknown>)
      : undefined;
  if (fromBody === undefined) return fromQuery;
  const pick = (name: string) => fromBody[name] ?? fromQuery?.[name];
  return { suppress_http_code: pick('suppress_http_code'), pretty: pick('pretty') };
}

/**
 * Graph's ETag on a read: a strong tag, the quoted SHA-1 hex of the body (the form Meta's spec shows,
 * `"eb11a43a8f1e633acc57540de90158ed9ede1eb6"`), so the same answer always has the same tag.
 */
export function etagOf(body: string): string {
  return `"${createHash('sha1').update(body).digest('hex')}"`;
}

/** Whether `If-None-Match` names `etag` (or is `*`); a weak `W/` form of the same tag matches too (RFC 9110). */
export function etagMatches(ifNoneMatch: string, etag: string): boolean {
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}
