/**
 * @module storage/keyset — one keyset page from a backend's two queries: the rows after (or before) a key, and
 * whether any row lies beyond a key. `limit + 1` rows in page order tell whether another page follows; the other
 * side is probed. The backend supplies the SQL; the paging rules are here once.
 */
import type { KeysetPage, KeysetQuery } from '../domain/records.js';

export type KeysetDirection = 'forward' | 'backward';

export interface KeysetReads<Row> {
  /** Up to `limit` rows beyond `key` in `direction` (from the start when `key` is undefined), nearest first. */
  rows(direction: KeysetDirection, key: number | undefined, limit: number): Row[] | Promise<Row[]>;
  /** Whether any row lies beyond `key` in `direction`. */
  exists(direction: KeysetDirection, key: number): boolean | Promise<boolean>;
  keyOf(row: Row): number;
}

export async function readKeysetPage<Row, Item>(
  query: KeysetQuery,
  reads: KeysetReads<Row>,
  map: (row: Row) => Item,
): Promise<KeysetPage<Item>> {
  const backward = query.before !== undefined;
  const rows = await reads.rows(
    backward ? 'backward' : 'forward',
    backward ? query.before : query.after,
    query.limit + 1,
  );
  const more = rows.length > query.limit;
  if (more) rows.pop();
  if (backward) rows.reverse();
  const first = rows[0];
  const last = rows[rows.length - 1];
  if (backward) {
    const hasNext = await reads.exists(
      'forward',
      last !== undefined ? reads.keyOf(last) : (query.before ?? 0),
    );
    return { items: rows.map(map), hasNext, hasPrevious: more };
  }
  const hasPrevious =
    query.after === undefined
      ? false
      : await reads.exists('backward', first !== undefined ? reads.keyOf(first) : query.after + 1);
  return { items: rows.map(map), hasNext: more, hasPrevious };
}
