/**
 * @module server/graph/paging — Graph cursor pagination over a keyset page: `paging.cursors` point at the first
 * and last row, and `next` / `previous` are absolute URLs that work when followed (reference §4.5).
 */
import type { Paging } from '@groupgate/sdk/contract';
import { MAX_PAGE_LIMIT, DEFAULT_PAGE_LIMIT } from '@groupgate/sdk/contract';
import { GRAPH_ERRORS } from '../../domain/error-catalog.js';
import { encodeCursor, readCursor, type CursorEdge } from '../../domain/cursors.js';
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

/** A page's parameters as sent, before the node they page through is known. */
export interface PageParams {
  edge: CursorEdge;
  limit: number;
  /** The cursor sent, read; null when one was sent but is corrupt or for another edge. */
  cursor: { direction: 'after' | 'before'; node: string; key: number } | null | undefined;
}

export function readPageParams(context: GraphContext, edge: CursorEdge): PageParams {
  const limit = parseLimit(context.params['limit'], DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT);
  const after = stringParam(context.params, 'after');
  const before = stringParam(context.params, 'before');
  if (after !== undefined && before !== undefined) {
    throw invalidParameter('Params after and before cannot be used together');
  }
  const sent = after ?? before;
  if (sent === undefined) return { edge, limit, cursor: undefined };
  const read = readCursor(sent, edge);
  return {
    edge,
    limit,
    cursor: read === undefined ? null : { direction: after !== undefined ? 'after' : 'before', ...read },
  };
}

export function invalidCursor(): GraphError {
  return new GraphError(GRAPH_ERRORS.INVALID_CURSOR, {
    details:
      'The cursor is corrupted, expired, or was issued for another object. Start again from the first page.',
  });
}

/** The keyset query the parameters ask for; the store answers it before the node is checked (see pageRequestFor). */
export function keysetQueryOf(params: PageParams): KeysetQuery {
  const { cursor, limit } = params;
  if (cursor === null) throw invalidCursor();
  if (cursor === undefined) return { limit };
  return cursor.direction === 'after' ? { limit, after: cursor.key } : { limit, before: cursor.key };
}

/** The page request for `node`; a cursor issued for any other node is refused with 131059. */
export function pageRequestFor(params: PageParams, node: string): PageRequest {
  if (params.cursor !== undefined && (params.cursor === null || params.cursor.node !== node))
    throw invalidCursor();
  return { edge: params.edge, node, query: keysetQueryOf(params) };
}

export function readPageRequest(context: GraphContext, edge: CursorEdge, node: string): PageRequest {
  return pageRequestFor(readPageParams(context, edge), node);
}

/**
 * The scheme and host paging links point at: the configured public URL, else the request's own. Fastify reads
 * X-Forwarded-Proto and X-Forwarded-Host only from the proxies `--trust-proxy` names, so no client can make the
 * links (which may carry its token) point at another host.
 */
export function baseUrl(context: GraphContext, publicUrl: string | undefined): string {
  if (publicUrl !== undefined) return publicUrl;
  const { request } = context;
  // An HTTP/1.0 request may come without a Host header; the address it reached is then the host.
  const host = request.headers.host === undefined ? addressOf(request.socket) : request.host;
  return `${request.protocol}://${host}`;
}

function addressOf(socket: { localAddress?: string | undefined; localPort?: number | undefined }): string {
  const address = socket.localAddress ?? 'localhost';
  return `${address.includes(':') ? `[${address}]` : address}:${socket.localPort ?? ''}`;
}

/**
 * What a paging link carries besides the page itself, so that it works followed bare, as Graph's do: the token that
 * authenticated the call, however it came (header or parameter; never a parameter that did not authenticate it),
 * the `appsecret_proof` that went with it, and the `fields` asked for. Ends with `&` when not empty.
 */
export function linkParams(context: GraphContext): string {
  const { caller, params } = context;
  let carried = `access_token=${encodeURIComponent(caller.accessToken)}&`;
  if (caller.appsecretProof !== undefined) carried += `appsecret_proof=${caller.appsecretProof}&`;
  const fields = params['fields'];
  if (typeof fields === 'string' && fields !== '') carried += `fields=${encodeURIComponent(fields)}&`;
  return carried;
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
  const prefix = `${edgeUrl}?${linkParams(context)}limit=${request.query.limit}`;
  const link = (direction: 'after' | 'before', cursor: string): string =>
    `${prefix}&${direction}=${encodeURIComponent(cursor)}`;
  return {
    cursors,
    ...(position.hasPrevious && { previous: link('before', cursors.before) }),
    ...(position.hasNext && { next: link('after', cursors.after) }),
  };
}
