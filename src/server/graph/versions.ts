/**
 * @module server/graph/versions — which `/{version}` segments are served, and as what (reference §4.3), read from
 * the calendar in `domain/api-versions.ts` on the (virtual) clock's day. Graph serves an expired version as the
 * oldest one still available and reports the version it used in the `facebook-api-version` header; anything that
 * is not a version released by then is read as a node id, which makes the rest of the path "Unknown path
 * components" (code 2500). A path without a version is served as the app's default version.
 */
import { DEFAULT_API_VERSION, oldestAvailable, servedVersion } from '../../domain/api-versions.js';
import type { BusinessRecord } from '../../domain/records.js';

/** The version to serve the call as, or undefined when the segment is not a Graph version on `now`. */
export function resolveVersion(segment: string, now: number): string | undefined {
  // The common case first: a version segment starts with "v".
  if (segment.charCodeAt(0) !== 118) return undefined;
  return servedVersion(segment, now);
}

/** An unversioned call is served as the app's default version (v23.0 unless the app sets one), as Graph does. */
export function defaultVersionOf(business: BusinessRecord, now: number): string {
  return servedVersion(business.defaultApiVersion ?? DEFAULT_API_VERSION, now) ?? oldestAvailable(now);
}
