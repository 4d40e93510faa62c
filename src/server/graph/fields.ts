/**
 * @module server/graph/fields — Graph's `fields` parameter, for the group node and the edges that list items: a
 * comma-separated list of names, each optionally expanded as Graph's field expansion writes it,
 * `participants.limit(2){wa_id,user_id}`. Names are looked up in allow-lists (Sets), never used to index an object.
 */
import { invalidParameter } from '../graph-error.js';

export interface FieldRequest {
  readonly name: string;
  /** `.limit(n)`: at most n items of a list field. */
  readonly limit?: number;
  /** `{a,b}`: the subfields of each item of a list field. */
  readonly subfields?: readonly string[];
}

export function nonexistingField(field: string, nodeType: string): Error {
  return invalidParameter(`Tried accessing nonexisting field (${field}) on node type (${nodeType})`);
}

/** Splits on the commas outside braces. */
function topLevel(raw: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === '{') depth++;
    else if (c === '}') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(raw.slice(start, i));
      start = i + 1;
    }
    if (depth < 0) throw invalidParameter(`Syntax error in fields: unbalanced braces`);
  }
  if (depth !== 0) throw invalidParameter(`Syntax error in fields: unbalanced braces`);
  parts.push(raw.slice(start));
  return parts.map((part) => part.trim()).filter((part) => part !== '');
}

const FIELD = /^([A-Za-z_][A-Za-z0-9_]*)(?:\.limit\((\d{1,4})\))?(?:\{(.*)\})?$/s;

/**
 * The fields asked for, each checked against `known` (names of the node type `nodeType`); `expandable` names the
 * list fields that take `.limit()` and `{…}`, with the subfields each item has. Repeated names count once.
 */
export function parseFields(
  raw: unknown,
  nodeType: string,
  known: ReadonlySet<string>,
  expandable: ReadonlyMap<string, { nodeType: string; subfields: ReadonlySet<string> }> = new Map(),
): FieldRequest[] {
  if (raw === undefined) return [];
  if (typeof raw !== 'string') throw invalidParameter('Param fields must be a string');
  const seen = new Set<string>();
  const out: FieldRequest[] = [];
  for (const part of topLevel(raw)) {
    const match = FIELD.exec(part);
    if (match === null) throw invalidParameter(`Syntax error in fields: "${part}"`);
    const name = match[1] as string;
    if (!known.has(name)) throw nonexistingField(name, nodeType);
    const expansion = expandable.get(name);
    if ((match[2] !== undefined || match[3] !== undefined) && expansion === undefined) {
      throw invalidParameter(`Field ${name} of node type (${nodeType}) cannot be expanded`);
    }
    let subfields: string[] | undefined;
    if (match[3] !== undefined && expansion !== undefined) {
      subfields = topLevel(match[3]);
      for (const sub of subfields) {
        if (!expansion.subfields.has(sub)) throw nonexistingField(sub, expansion.nodeType);
      }
    }
    if (seen.has(name)) continue;
    seen.add(name);
    out.push({
      name,
      ...(match[2] !== undefined && { limit: Number(match[2]) }),
      ...(subfields !== undefined && subfields.length > 0 && { subfields }),
    });
  }
  return out;
}

/** `item` with only the keys in `keep` (and `id`, always), in the item's own order. */
export function pick(item: object, keep: ReadonlySet<string>, id?: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(item)) if (key === id || keep.has(key)) out[key] = value;
  return out;
}
