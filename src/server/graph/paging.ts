/**
 * @module server/graph/paging — Graph cursor pagination over a keyset page: `paging.cursors` point at the first
 * and last row, and `next` / `previous` are absolute URLs that work when followed (reference §4.5).
 */
import type { Paging } from '../../contract/paging.js';
import { MAX_PAGE_LIMIT, DEFAULT_PAGE_LIMIT } from '../../contract/limits.js';
import { GRAPH_ERRORS } from '../../domain/error-catalog.js';
import { decodeCursor, encodeCursor, type CursorEdge } from '../../domain/cursors.js';
import type { KeysetPage, KeysetQuery } from '../../storage/store.js';
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

/** `paging` for a page, or undefined for an empty one (Graph answers an empty page with `data` alone). */
export function buildPaging<T>(
  context: GraphContext,
  page: KeysetPage<T>,
  request: PageRequest,
  keyOf: (item: T) => number,
  edgeUrl: string,
): Paging | undefined {
  const first = page.items[0];
  const last = page.items[page.items.length - 1];
  if (first === undefined || last === undefined) return undefined;
  const cursors = {
    before: encodeCursor(request.edge, request.node, keyOf(first)),
    after: encodeCursor(request.edge, request.node, keyOf(last)),
  };
  const link = (direction: 'after' | 'before', cursor: string): string => {
    const search = new URLSearchParams();
    if (context.caller.queryAccessToken !== undefined)
      search.set('access_token', context.caller.queryAccessToken);
    search.set('limit', String(request.query.limit));
    search.set(direction, cursor);
    return `${edgeUrl}?${search.toString()}`;
  };
  return {
    cursors,
    ...(page.hasPrevious && { previous: link('before', cursors.before) }),
    ...(page.hasNext && { next: link('after', cursors.after) }),
  };
}
