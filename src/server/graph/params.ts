/**
 * @module server/graph/params — Graph reads a call's parameters from the query string and the body alike, in any
 * of three encodings; arrays and objects travel as JSON strings in form and query encodings (reference §1.11).
 * This module merges them into one record and validates it against a JSON schema, turning the first schema
 * violation into Graph's own `(#100)` wording.
 */
import type { Ajv as AjvClass, ErrorObject, JSONSchemaType, ValidateFunction } from 'ajv';
import type { FastifyRequest } from 'fastify';
import { invalidParameter } from '../graph-error.js';
import { lazyRequire } from '../lazy-require.js';

export type GraphParams = Record<string, unknown>;

/**
 * Query string and body, the body winning, as one record. It has no prototype, so a parameter name the client
 * chose (`constructor`, `__proto__`) never reaches what plain objects inherit. Form, multipart and query encodings
 * go through `foldBracketKeys` (PHP's `a[0]=x`, `a[]=x`, `a[0][user]=x`); a JSON body is taken as sent.
 */
export function mergeParams(request: FastifyRequest): GraphParams {
  const body = request.body;
  if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body))) {
    throw invalidParameter('The request body must be a JSON object.');
  }
  const merged = Object.assign(Object.create(null) as GraphParams, foldBracketKeys(request.query));
  if (body === undefined || body === null) return merged;
  return Object.assign(merged, isJsonBody(request) ? body : foldBracketKeys(body));
}

function isJsonBody(request: FastifyRequest): boolean {
  const type = request.headers['content-type'];
  return typeof type === 'string' && /^\s*application\/json/i.test(type);
}

/** `name[a][b]…`: the name, then one or more bracketed segments (an empty one appends). */
const BRACKETED = /^([^[\]]+)((?:\[[^[\]]*\])+)$/;
const SEGMENT = /\[([^[\]]*)\]/g;
const INDEX = /^\d{1,4}$/;

type Tree = Record<string, unknown>;
/** Marks the containers built from brackets, so that only they are turned into arrays at the end. */
const built = new WeakSet<object>();

function container(): Tree {
  const tree = Object.create(null) as Tree;
  built.add(tree);
  return tree;
}

/**
 * Folds the bracketed names PHP's `http_build_query` and Meta's PHP SDK send into the structures they stand for:
 * `join_requests[0]=a&join_requests[1]=b` and `join_requests[]=a&join_requests[]=b` are the list `[a, b]`,
 * `participants[0][user]=x` is `[{user: x}]`. A container whose keys are all indices becomes an array in index
 * order (gaps closed, as PHP's arrays after an unset); a repeated name takes its last value, as PHP does, except
 * `[]`, which appends each. Costs one `includes` per key when nothing is bracketed (the hot path).
 */
export function foldBracketKeys(source: unknown): GraphParams {
  const record = source as GraphParams;
  let bracketed = false;
  for (const key in record) {
    if (key.includes('[')) {
      bracketed = true;
      break;
    }
  }
  if (!bracketed) return record;
  const out = Object.create(null) as GraphParams;
  for (const key of Object.keys(record)) {
    const value = record[key];
    const match = BRACKETED.exec(key);
    if (match === null) {
      out[key] = value;
      continue;
    }
    const name = match[1] as string;
    const segments = [...(match[2] as string).matchAll(SEGMENT)].map((m) => m[1] as string);
    let node = out[name];
    if (node === undefined || typeof node !== 'object' || node === null || !built.has(node)) {
      if (node !== undefined) throw sentTwice(name);
      node = container();
      out[name] = node;
    }
    let tree = node as Tree;
    for (let i = 0; i < segments.length - 1; i++) {
      const segment = segments[i] === '' ? String(Object.keys(tree).length) : (segments[i] as string);
      let next = tree[segment];
      if (next === undefined) {
        next = container();
        tree[segment] = next;
      } else if (typeof next !== 'object' || next === null || !built.has(next)) {
        throw sentTwice(name);
      }
      tree = next as Tree;
    }
    const last = segments[segments.length - 1] as string;
    if (last === '') {
      for (const item of Array.isArray(value) ? value : [value])
        tree[String(Object.keys(tree).length)] = item;
    } else {
      tree[last] = Array.isArray(value) ? value[value.length - 1] : value;
    }
  }
  for (const key of Object.keys(out)) out[key] = toArrays(out[key]);
  return out;
}

function sentTwice(name: string) {
  return invalidParameter(`Param ${name} is sent twice, in two different forms`);
}

function toArrays(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || !built.has(value)) return value;
  const tree = value as Tree;
  const keys = Object.keys(tree);
  for (const key of keys) tree[key] = toArrays(tree[key]);
  if (keys.length === 0 || !keys.every((key) => INDEX.test(key))) return tree;
  return keys
    .map(Number)
    .sort((a, b) => a - b)
    .map((index) => tree[String(index)]);
}

// validateSchema off: checking our static schemas against the meta-schema means compiling the meta-schema at every
// start (measured: a tenth of start-up). The schemas are exercised by the test suite instead.
const loadAjv = lazyRequire<{ Ajv: typeof AjvClass }>('ajv');
let ajv: AjvClass | undefined;
function compiler(): AjvClass {
  ajv ??= new (loadAjv().Ajv)({ allErrors: false, strict: true, validateSchema: false });
  return ajv;
}

function describe(error: ErrorObject): string {
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map((part, i) => (i === 0 ? part : `[${part}]`))
    .join('');
  switch (error.keyword) {
    case 'required':
      return `The parameter ${String(error.params['missingProperty'])} is required`;
    case 'enum':
      return `Param ${path} must be one of {${(error.params['allowedValues'] as unknown[]).join(', ')}}`;
    case 'const':
      return `Param ${path} must be ${JSON.stringify(error.params['allowedValue'])}`;
    case 'type':
      return `Param ${path} must be ${error.params['type'] === 'array' ? 'an array' : `a ${String(error.params['type'])}`}`;
    case 'minItems':
      return `Param ${path} must be a non-empty array`;
    case 'maxItems':
      return `Param ${path} must contain at most ${String(error.params['limit'])} items`;
    case 'minLength':
      return `Param ${path} must be a non-empty string`;
    case 'maxLength':
      return `Param ${path} must be at most ${String(error.params['limit'])} characters long`;
    case 'pattern':
      return `Param ${path} is not valid`;
    default:
      return `Param ${path} ${error.message ?? 'is invalid'}`;
  }
}

/**
 * ajv's JSONSchemaType has optional properties say `nullable: true`, which also lets `null` through: a null
 * subject then reached the rules as if it were a string. Graph has no null parameter (form and query encodings
 * cannot even say it), so an optional parameter is absent or of its type; `nullable` is dropped before compiling
 * and a null is refused as the wrong type.
 */
function withoutNullable(schema: unknown): unknown {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return schema;
  const { properties, items, ...rest } = schema as Record<string, unknown>;
  delete rest['nullable'];
  return {
    ...rest,
    ...(properties !== undefined && {
      properties: Object.fromEntries(
        Object.entries(properties as Record<string, unknown>).map(([key, value]) => [
          key,
          withoutNullable(value),
        ]),
      ),
    }),
    ...(items !== undefined && { items: withoutNullable(items) }),
  };
}

/**
 * Compiles a validator for one operation. Array-typed properties are decoded from JSON strings first,
 * as Graph does for form and query encodings; nothing else is coerced, so `[5]` is not a list of ids.
 */
export function compileParams<T>(declared: JSONSchemaType<T>): (params: GraphParams) => T {
  const schema = withoutNullable(declared) as JSONSchemaType<T>;
  // Compiled on first use, so start-up does not pay for operations nobody has called yet.
  let validate: ValidateFunction<T> | undefined;
  const properties = (schema as { properties?: Record<string, { type?: unknown }> }).properties ?? {};
  const arrayKeys = Object.keys(properties).filter((key) => properties[key]?.type === 'array');
  return (params) => {
    let input = params;
    for (const key of arrayKeys) {
      const value = input[key];
      if (typeof value === 'string') {
        let decoded: unknown = value;
        try {
          decoded = JSON.parse(value);
        } catch {
          // Left as the string: the schema then reports "must be an array".
        }
        input = { ...input, [key]: decoded };
      }
    }
    validate ??= compiler().compile(schema);
    if (!validate(input)) {
      const first = validate.errors?.[0];
      throw invalidParameter(first === undefined ? 'Invalid parameter' : describe(first));
    }
    return input;
  };
}

/** `limit` arrives as a string from the query; Graph wants a whole number in range. */
export function parseLimit(raw: unknown, fallback: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value =
    typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d{1,7}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw invalidParameter(`Param limit must be a number between 1 and ${max}`);
  }
  return value;
}

/** A single string parameter (cursor, method override) or undefined; repeated keys are refused. */
export function stringParam(params: GraphParams, name: string): string | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalidParameter(`Param ${name} must be a string`);
  return value;
}
