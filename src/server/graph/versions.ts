/**
 * @module server/graph/versions — which `/{version}` segments are served, and as what (reference §4.3).
 * Graph serves an expired version as the oldest one still available and reports the version it used in the
 * `facebook-api-version` header; anything that is not a version at all is read as a node id, which makes the
 * rest of the path "Unknown path components" (code 2500).
 */

const OLDEST_SERVED_MAJOR = 19;
const NEWEST_MAJOR = 25;

// Every version Graph has ever published, so that an old but real version is upgraded rather than refused.
const RETIRED = new Set([
  ...Array.from({ length: 13 }, (_, i) => `v2.${i}`),
  'v3.0',
  'v3.1',
  'v3.2',
  'v3.3',
  ...Array.from({ length: OLDEST_SERVED_MAJOR - 4 }, (_, i) => `v${i + 4}.0`),
]);

/** The version to serve the call as, or undefined when the segment is not a Graph version. */
export function resolveVersion(segment: string): string | undefined {
  const match = /^v(\d{1,2})\.0$/.exec(segment);
  if (match !== null) {
    const major = Number(match[1]);
    if (major >= OLDEST_SERVED_MAJOR && major <= NEWEST_MAJOR) return segment;
  }
  return RETIRED.has(segment) ? `v${OLDEST_SERVED_MAJOR}.0` : undefined;
}
