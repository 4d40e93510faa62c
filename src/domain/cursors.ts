/**
 * @module domain/cursors — opaque keyset cursors. A cursor names the edge and the node it was issued for and
 * the sort key of the row it points at, so it stays valid while rows around it come and go (keyset, not offset),
 * and one issued for another group or edge is recognised and refused (error 131059).
 */
import { fbBase64Decode, fbBase64Encode } from './fb-base64.js';

export type CursorEdge = 'join_requests' | 'groups' | 'businesses';

export function encodeCursor(edge: CursorEdge, node: string, key: number): string {
  return fbBase64Encode(JSON.stringify({ edge, node, key }));
}

/** The row key the cursor points at, or undefined when it is corrupt or was issued for another edge or node. */
/** The node and key a cursor names, or undefined when it is corrupt or was issued for another edge. */
export function readCursor(cursor: string, edge: CursorEdge): { node: string; key: number } | undefined {
  const text = fbBase64Decode(cursor);
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { edge: e, node, key } = parsed as Record<string, unknown>;
  if (
    e !== edge ||
    typeof node !== 'string' ||
    typeof key !== 'number' ||
    !Number.isSafeInteger(key) ||
    key < 0
  ) {
    return undefined;
  }
  return { node, key };
}

/** The row key the cursor points at, or undefined when it is corrupt or was issued for another edge or node. */
export function decodeCursor(cursor: string, edge: CursorEdge, node: string): number | undefined {
  const read = readCursor(cursor, edge);
  return read !== undefined && read.node === node ? read.key : undefined;
}
