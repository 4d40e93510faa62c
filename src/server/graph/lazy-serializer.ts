/**
 * @module server/graph/lazy-serializer — a fast-json-stringify serialiser compiled on first use. Compiling every
 * response schema at import time was a measurable share of start-up, for endpoints a run may never call.
 */
import type fastJson from 'fast-json-stringify';
import type { Schema } from 'fast-json-stringify';
import { lazyRequire } from '../lazy-require.js';

const loadFastJson = lazyRequire<typeof fastJson>('fast-json-stringify');

export function lazySerializer(schema: Schema): (value: unknown) => string {
  let serialize: ((value: unknown) => string) | undefined;
  return (value) => (serialize ??= loadFastJson()(schema))(value);
}
