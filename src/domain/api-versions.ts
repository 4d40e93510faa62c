/**
 * @module domain/api-versions — Graph's version calendar and what it means on a given day (reference §4.3).
 * Graph keeps a version available for about two years after its successor ships; a call to a version past its date
 * is served as the oldest version still available; a version not yet released (or never released) is no version.
 * Dates are Meta's published calendar (developers.facebook.com/docs/graph-api/changelog/versions: release date,
 * "Available until"); where Meta has not published the end yet, it is the successor's release plus two years, and
 * the newest version has none. A new Graph version is one line here.
 */

export interface GraphVersion {
  readonly version: string;
  /** Unix seconds, 00:00 UTC of the release day. */
  readonly released: number;
  /** Unix seconds from which the version is no longer served; undefined while it has no successor. */
  readonly retires: number | undefined;
}

/** Graph's default for apps that set none is the newest version when the app was made; Groupgate's is v23.0. */
export const DEFAULT_API_VERSION = 'v23.0';

const day = (iso: string): number => Date.parse(`${iso}T00:00:00Z`) / 1000;
const TWO_YEARS = 2 * 365 * 86_400;

// [version, released, available until (undefined: not published)]
const CALENDAR: readonly (readonly [string, string, string | undefined])[] = [
  ['v1.0', '2014-04-30', '2015-04-30'],
  ['v2.0', '2014-04-30', '2016-08-08'],
  ['v2.1', '2014-08-07', '2016-10-31'],
  ['v2.2', '2014-10-30', '2017-03-27'],
  ['v2.3', '2015-03-25', '2017-07-10'],
  ['v2.4', '2015-07-08', '2017-10-09'],
  ['v2.5', '2015-10-07', '2018-04-12'],
  ['v2.6', '2016-04-12', '2018-07-13'],
  ['v2.7', '2016-07-13', '2018-10-05'],
  ['v2.8', '2016-10-05', '2019-04-18'],
  ['v2.9', '2017-04-18', '2019-07-22'],
  ['v2.10', '2017-07-18', '2019-11-07'],
  ['v2.11', '2017-11-07', '2020-01-28'],
  ['v2.12', '2018-01-30', '2020-05-05'],
  ['v3.0', '2018-05-01', '2020-07-28'],
  ['v3.1', '2018-07-26', '2020-10-27'],
  ['v3.2', '2018-10-23', '2021-05-04'],
  ['v3.3', '2019-04-30', '2021-08-03'],
  ['v4.0', '2019-07-29', '2021-11-02'],
  ['v5.0', '2019-10-29', '2022-02-03'],
  ['v6.0', '2020-02-03', '2022-05-05'],
  ['v7.0', '2020-05-05', '2022-08-04'],
  ['v8.0', '2020-08-04', '2022-11-01'],
  ['v9.0', '2020-11-10', '2023-02-23'],
  ['v10.0', '2021-02-23', '2023-06-08'],
  ['v11.0', '2021-06-08', '2023-09-14'],
  ['v12.0', '2021-09-14', '2024-02-08'],
  ['v13.0', '2022-02-08', '2024-05-28'],
  ['v14.0', '2022-05-25', '2024-09-17'],
  ['v15.0', '2022-09-15', '2024-11-20'],
  ['v16.0', '2023-02-02', '2025-05-14'],
  ['v17.0', '2023-05-23', '2025-09-12'],
  ['v18.0', '2023-09-12', '2026-01-26'],
  ['v19.0', '2024-01-23', '2026-05-21'],
  ['v20.0', '2024-05-21', '2026-09-24'],
  ['v21.0', '2024-10-02', '2027-01-21'],
  ['v22.0', '2025-01-21', '2027-05-20'],
  ['v23.0', '2025-05-29', '2027-10-08'],
  ['v24.0', '2025-10-08', '2028-02-18'],
  ['v25.0', '2026-02-18', '2028-07-29'],
  ['v26.0', '2026-07-29', undefined],
];

export const GRAPH_VERSIONS: readonly GraphVersion[] = CALENDAR.map(([version, released, until], i) => {
  const successor = CALENDAR[i + 1];
  return {
    version,
    released: day(released),
    retires:
      until !== undefined ? day(until) : successor === undefined ? undefined : day(successor[1]) + TWO_YEARS,
  };
});

const BY_NAME: ReadonlyMap<string, GraphVersion> = new Map(GRAPH_VERSIONS.map((v) => [v.version, v]));

/** A version Graph has published (whether or not it is served on `now`). */
export function isPublishedVersion(version: string): boolean {
  return BY_NAME.has(version);
}

/** The oldest version served on `now`. */
export function oldestAvailable(now: number): string {
  for (const v of GRAPH_VERSIONS) {
    if (v.released <= now && (v.retires === undefined || now < v.retires)) return v.version;
  }
  // Unreachable while the newest version never retires; the newest is the safe answer.
  return GRAPH_VERSIONS[GRAPH_VERSIONS.length - 1]?.version ?? DEFAULT_API_VERSION;
}

/**
 * The version a call naming `segment` is served as on `now`: itself while available, the oldest available once
 * retired, undefined when it is not a version released by `now` (Graph then reads the segment as a node id).
 */
export function servedVersion(segment: string, now: number): string | undefined {
  const found = BY_NAME.get(segment);
  if (found === undefined || found.released > now) return undefined;
  return found.retires !== undefined && now >= found.retires ? oldestAvailable(now) : found.version;
}
