/**
 * @module storage/postgres/postgres-pages — the join-request page reads on PostgreSQL: one page by the group's pk,
 * or many pages at once by group id, each answer one row with the items already rendered (stored wire JSON joined
 * in key order), the end keys and whether more lie beyond either end.
 */
import type pg from 'pg';
import type { KeysetQuery, RenderedJoinRequestPage } from '../../domain/records.js';
import { GROUP_COLUMNS, qualified, type GroupRow } from '../rows.js';

/** One page of a group's pending requests, by its pk. Parameters: `$1` the group's pk, `$2` limit, `$3` key. */
export function pageSql(direction: 'first' | 'after' | 'before'): string {
  const condition = direction === 'after' ? 'AND seq > $3' : direction === 'before' ? 'AND seq < $3' : '';
  return `SELECT ${qualified('g', GROUP_COLUMNS)}, p.n, p.first, p.last, p.items,
      EXISTS (SELECT 1 FROM join_requests WHERE group_pk = g.pk AND status = 'pending' AND seq > p.last) AS more,
      EXISTS (SELECT 1 FROM join_requests WHERE group_pk = g.pk AND status = 'pending' AND seq < p.first) AS earlier
    FROM groups AS g
    CROSS JOIN LATERAL (
      SELECT count(*)::int AS n, min(seq) AS first, max(seq) AS last, string_agg(wire_json, ',' ORDER BY seq) AS items
      FROM (SELECT seq, wire_json FROM join_requests
            WHERE group_pk = g.pk AND status = 'pending' ${condition}
            ORDER BY seq ${direction === 'before' ? 'DESC' : 'ASC'} LIMIT $2) AS page) AS p
    WHERE g.pk = $1`;
}

/**
 * Same shape as the SQLite page (one row per page: the rendered items, the end keys, whether more lie beyond), for
 * many pages at once, each with its group's row, looked up by group id: the hot read is one round trip, and one
 * round trip serves every page asked for while the last batch was out (ReadBatcher). Each input row names a group id,
 * a key (0 for the first page: keys start at 1), a limit and a direction; `ord` ties each answer to its input. A
 * group that does not exist, or was deleted, has no row. The two branches of the page are gated on the direction,
 * so each page runs one index range scan.
 */
const BATCHED_PAGES_SQL = `SELECT r.ord, ${qualified('g', GROUP_COLUMNS)}, p.n, p.first, p.last, p.items,
    EXISTS (SELECT 1 FROM join_requests WHERE group_pk = g.pk AND status = 'pending' AND seq > p.last) AS more,
    EXISTS (SELECT 1 FROM join_requests WHERE group_pk = g.pk AND status = 'pending' AND seq < p.first) AS earlier
  FROM unnest($1::text[], $2::bigint[], $3::int[], $4::boolean[])
    WITH ORDINALITY AS r(group_id, key, lim, backward, ord)
  CROSS JOIN LATERAL (SELECT ${GROUP_COLUMNS} FROM groups
                      WHERE group_id = r.group_id AND deleted_at IS NULL) AS g
  CROSS JOIN LATERAL (
    SELECT count(*)::int AS n, min(seq) AS first, max(seq) AS last, string_agg(wire_json, ',' ORDER BY seq) AS items
    FROM ((SELECT seq, wire_json FROM join_requests
           WHERE NOT r.backward AND group_pk = g.pk AND status = 'pending' AND seq > r.key
           ORDER BY seq ASC LIMIT r.lim)
          UNION ALL
          (SELECT seq, wire_json FROM join_requests
           WHERE r.backward AND group_pk = g.pk AND status = 'pending' AND seq < r.key
           ORDER BY seq DESC LIMIT r.lim)) AS page) AS p`;

export interface PageInput {
  groupId: string;
  query: KeysetQuery;
}

export type PageRow = GroupRow & {
  /** In a batch, the 1-based position of the input this row answers. */
  ord?: number;
  n: number;
  first: number | null;
  last: number | null;
  items: string | null;
  more: boolean;
  earlier: boolean;
};

/** Many pages in one round trip: one answer per input, in input order (undefined where the group is gone). */
export async function readPages(
  pool: pg.Pool,
  inputs: readonly PageInput[],
): Promise<(PageRow | undefined)[]> {
  const { rows } = await pool.query<PageRow>({
    name: 'gg_batched_pages',
    text: BATCHED_PAGES_SQL,
    values: [
      inputs.map((input) => input.groupId),
      inputs.map(({ query }) => query.after ?? query.before ?? 0),
      inputs.map(({ query }) => query.limit),
      inputs.map(({ query }) => query.before !== undefined),
    ],
  });
  const answers = new Array<PageRow | undefined>(inputs.length);
  for (const row of rows) answers[(row.ord ?? 0) - 1] = row;
  return answers;
}

export function toRenderedPage(row: PageRow | undefined): RenderedJoinRequestPage {
  if (row === undefined || row.n === 0 || row.first === null || row.last === null) {
    return { itemsJson: '', count: 0, firstKey: 0, lastKey: 0, hasNext: false, hasPrevious: false };
  }
  return {
    itemsJson: row.items ?? '',
    count: row.n,
    firstKey: row.first,
    lastKey: row.last,
    hasNext: row.more,
    hasPrevious: row.earlier,
  };
}

export function directionOf(query: KeysetQuery): { direction: 'first' | 'after' | 'before'; key: number[] } {
  if (query.after !== undefined) return { direction: 'after', key: [query.after] };
  if (query.before !== undefined) return { direction: 'before', key: [query.before] };
  return { direction: 'first', key: [] };
}
