/**
 * @module server/graph/batch/batch-items — reads Graph's `batch` parameter: a JSON array (or the JSON string of
 * one, as form and query encodings carry it) of at most 50 operations, each `{method, relative_url, body?, name?,
 * omit_response_on_success?}`. Everything wrong with it is a `(#100)` naming the operation, before any runs.
 */
import { MAX_JSON_DEPTH } from '../../../domain/json-depth.js';
import { invalidParameter } from '../../graph-error.js';

/** Graph's own limit: "Batch requests are limited to 50 requests per batch". */
export const MAX_BATCH_ITEMS = 50;

export type BatchMethod = 'GET' | 'POST' | 'DELETE';

export interface BatchItem {
  readonly method: BatchMethod;
  /** The path after the host, with or without a leading slash and a version; may hold `{result=…}` references. */
  readonly relativeUrl: string;
  /** A form-encoded string, as Graph documents; a JSON object is taken too (sent as JSON). */
  readonly body: string | Record<string, unknown> | undefined;
  readonly name: string | undefined;
  /** Graph's default: a named operation another one references answers null on success. */
  readonly omitResponseOnSuccess: boolean | undefined;
}

const METHODS = new Set<string>(['GET', 'POST', 'DELETE']);

const MAX_BODY_DEPTH = MAX_JSON_DEPTH;

/** How deep a JSON value nests, read without recursion (and stopping past the limit). */
function depthOf(root: unknown): number {
  let deepest = 0;
  const pending: [unknown, number][] = [[root, 1]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [value, depth] = next;
    if (typeof value !== 'object' || value === null) continue;
    deepest = Math.max(deepest, depth);
    if (deepest > MAX_BODY_DEPTH) return deepest;
    for (const child of Object.values(value)) pending.push([child, depth + 1]);
  }
  return deepest;
}

function itemError(index: number, details: string): Error {
  return invalidParameter(`batch[${index}]: ${details}`);
}

function readItem(raw: unknown, index: number): BatchItem {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw itemError(index, 'each operation must be a JSON object');
  }
  const item = raw as Record<string, unknown>;
  const method = item['method'] ?? 'GET';
  if (typeof method !== 'string' || !METHODS.has(method.toUpperCase())) {
    throw itemError(index, 'method must be one of {GET, POST, DELETE}');
  }
  const relativeUrl = item['relative_url'];
  if (typeof relativeUrl !== 'string' || relativeUrl.trim() === '') {
    throw itemError(index, 'relative_url is required');
  }
  const body = item['body'];
  if (
    body !== undefined &&
    typeof body !== 'string' &&
    (typeof body !== 'object' || body === null || Array.isArray(body))
  ) {
    throw itemError(index, 'body must be a form-encoded string or a JSON object');
  }
  if (typeof body === 'object' && body !== null && depthOf(body) > MAX_BODY_DEPTH) {
    throw itemError(index, `body is nested more than ${MAX_BODY_DEPTH} levels deep`);
  }
  const name = item['name'];
  if (name !== undefined && (typeof name !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(name))) {
    throw itemError(index, 'name must be 1 to 64 letters, digits, "-" or "_"');
  }
  // Graph's other keys are not supported here: an operation that asks for them must not run as if it had not.
  for (const key of ['headers', 'depends_on', 'attached_files']) {
    if (item[key] !== undefined)
      throw itemError(index, `${key} is not supported by Groupgate's batch requests`);
  }
  const omit = item['omit_response_on_success'];
  if (omit !== undefined && typeof omit !== 'boolean') {
    throw itemError(index, 'omit_response_on_success must be a boolean');
  }
  return {
    method: method.toUpperCase() as BatchMethod,
    relativeUrl: relativeUrl.trim(),
    body: body as BatchItem['body'],
    name,
    omitResponseOnSuccess: omit,
  };
}

/** The operations of a batch, validated as a whole: a duplicate name is an error, as a reference would be ambiguous. */
export function readBatch(raw: unknown): BatchItem[] {
  let value = raw;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      throw invalidParameter('Param batch must be a JSON array of operations');
    }
  }
  if (!Array.isArray(value)) throw invalidParameter('Param batch must be a JSON array of operations');
  if (value.length === 0) throw invalidParameter('Param batch must contain at least one operation');
  if (value.length > MAX_BATCH_ITEMS) {
    throw invalidParameter(`Too many requests in batch message. Maximum batch size is ${MAX_BATCH_ITEMS}`);
  }
  const items = value.map(readItem);
  const names = new Set<string>();
  items.forEach((item, index) => {
    if (item.name === undefined) return;
    if (names.has(item.name)) throw itemError(index, `the name "${item.name}" is used twice`);
    names.add(item.name);
  });
  return items;
}
