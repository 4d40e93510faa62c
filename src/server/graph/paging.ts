/**
 * @module server/graph/paging — Graph cursor pagination over a keyset page: `paging.cursors` point at the first
 * and last row, and `next` / `previous` are absolute URLs that work when followed (reference §4.5).
 */
import type { Paging } from '../../contract/paging.js';
import { MAX_PAGE_LIMIT, DEFAULT_PAGE_LIMIT } from '../../contract/limits.js';
import { GRAPH_ERRORS } from '../../domain/error-catalog.js';
import { decodeCursor, encodeCursor, type CursorEdge } from '../../domain/cursors.js';
import type { KeysetPage, KeysetQuery, PagePosition } from '../../domain/records.js';
import { GraphError, invalidParameter } from '../graph-error.js';
import type { GraphContext } from './edge-router.js';
import { parseLimit, stringParam } from './params.js';

export interface PageRequest {
  edge: CursorEdge;
  /** The node the cursors belong to: a cursor from any other node is refused. */
  node: string;
  query: KeysetQuery;
}

export function readPageRequest(context: GraphContext, edge: CursorEdge, node: string): PageRequest {
  const limit = parseLimit(context.params['limit'], DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT);
  const after = stringParam(context.params, 'after');
  const before = stringParam(context.params, 'before');
  if (after !== undefined && before !== undefined) {
    throw invalidParameter('Params after and before cannot be used together');
  }
  const cursor = after ?? before;
  if (cursor === undefined) return { edge, node, query: { limit } };
  const key = decodeCursor(cursor, edge, node);
  if (key === undefined) {
    throw new GraphError(GRAPH_ERRORS.INVALID_CURSOR, {
      details:
        'The cursor is corrupted, expired, or was issued for another object. Start again from the first page.',
    });
  }
  return { edge, node, query: after !== undefined ? { limit, after: key } : { limit, before: key } };
}

export function baseUrl(context: GraphContext, publicUrl: string | undefined): string {
  return publicUrl ?? `${context.request.protocol}://${context.request.host}`;
}

/** Where a keyset page of records stands, for `buildPaging`; undefined for an empty page. */
export function positionOf<T>(page: KeysetPage<T>, keyOf: (item: T) => number): PagePosition | undefined {
  const first = page.items[0];
  const last = page.items[page.items.length - 1];
  if (first === undefined || last === undefined) return undefined;
  return {
    firstKey: keyOf(first),
    lastKey: keyOf(last),
    hasNext: page.hasNext,
    hasPrevious: page.hasPrevious,
  };
}

/** `paging` for a non-empty page (Graph answers an empty page with `data` alone, so it has none). */
export function buildPaging(
  context: GraphContext,
  position: PagePosition,
  request: PageRequest,
  edgeUrl: string,
): Paging {
  const cursors = {
    before: encodeCursor(request.edge, request.node, position.firstKey),
    after: encodeCursor(request.edge, request.node, position.lastKey),
  };
  // Built by hand rather than with URLSearchParams: this runs on every page and the parameters are few.
  const prefix =
    context.caller.queryAccessToken === undefined
      ? `${edgeUrl}?limit=${request.query.limit}`
      : `${edgeUrl}?access_token=${encodeURIComponent(context.caller.queryAccessToken)}&limit=${request.query.limit}`;
  const link = (direction: 'after' | 'before', cursor: string): string =>
    `${prefix}&${direction}=${encodeURIComponent(cursor)}`;
  return {
    cursors,
    ...(position.hasPrevious && { previous: link('before', cursors.before) }),
    ...(position.hasNext && { next: link('after', cursors.after) }),
  };
}
