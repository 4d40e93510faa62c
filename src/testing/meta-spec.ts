/**
 * @module testing/meta-spec — validates Groupgate's responses against Meta's own OpenAPI document, read from
 * `../shared` at test time (never copied into the repository). Success bodies are checked strictly: a field the
 * spec does not declare is an error, so Groupgate cannot drift into shapes Meta never sends. Error bodies are
 * checked against `GraphAPIError`, which real Graph errors exceed (`error_data`), so extra fields pass there. The one
 * addition to the spec: user items may carry the 2026 business-scoped user id fields (`BSUID_FIELDS`).
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { META_SPEC_PATH, metaSpecAvailable } from './shared-dir.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export type SpecPath =
  | '/{Version}/{group_id}/join_requests'
  | '/{Version}/{Phone-Number-ID}/groups'
  | '/{Version}/{group_id}'
  | '/{Version}/{group_id}/invite_link'
  | '/{Version}/{group_id}/participants';

let spec: JsonObject | undefined;
const ajv = new Ajv2020({ strict: false, allErrors: true });
const cache = new Map<string, ValidateFunction>();

function loadSpec(): JsonObject {
  spec ??= parse(readFileSync(META_SPEC_PATH, 'utf8')) as JsonObject;
  return spec;
}

function pointer(doc: JsonObject, ref: string): Json {
  let node: Json = doc;
  for (const raw of ref.replace(/^#\//, '').split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof node !== 'object' || node === null || Array.isArray(node) || !(key in node)) {
      throw new Error(`unresolvable $ref ${ref}`);
    }
    node = node[key] as Json;
  }
  return node;
}

/** Inlines every local $ref; with `strict`, objects that declare properties accept no others. */
function inline(node: Json, doc: JsonObject, strict: boolean, depth = 0): Json {
  if (depth > 40) throw new Error('$ref nesting too deep');
  if (Array.isArray(node)) return node.map((n) => inline(n, doc, strict, depth + 1));
  if (typeof node !== 'object' || node === null) return node;
  if (typeof node['$ref'] === 'string') return inline(pointer(doc, node['$ref']), doc, strict, depth + 1);
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    // `properties` maps names to schemas: its keys are field names, never keywords.
    out[key] =
      key === 'properties' && typeof value === 'object' && value !== null && !Array.isArray(value)
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, inline(v, doc, strict, depth + 1)]))
        : inline(value, doc, strict, depth + 1);
  }
  if (strict && out['type'] === 'object' && typeof out['properties'] === 'object') {
    out['additionalProperties'] ??= false;
    const properties = out['properties'] as JsonObject;
    // The v23.0 spec predates business-scoped user ids: every user item it declares (those with a `wa_id`) may
    // carry the fields Meta's BSUID docs added in 2026, and nothing else (docs/decisions.md).
    if ('wa_id' in properties) {
      out['properties'] = { ...properties, ...BSUID_FIELDS };
    }
  }
  return out;
}

/**
 * Fields Groupgate adds to a body Meta's spec declares, each a decision in docs/decisions.md. The spec leaves its
 * objects open (JSON Schema's default), so these bodies are valid against it; the strict check here refuses every
 * other field, to catch drift.
 */
const DOCUMENTED_EXTRAS: ReadonlyMap<string, Record<string, Json>> = new Map([
  // The request_id its group_delete webhook carries, as for create (docs/decisions.md, Groups: Deletion).
  ['delete /{Version}/{group_id}', { request_id: { type: 'string' } }],
]);

function withDocumentedExtras(key: string, schema: Json): Json {
  const extras = DOCUMENTED_EXTRAS.get(key);
  if (extras === undefined || typeof schema !== 'object' || schema === null || Array.isArray(schema))
    return schema;
  return { ...schema, properties: { ...(schema['properties'] as JsonObject), ...extras } };
}
/** What Meta's BSUID docs add to each user item; the spec itself does not forbid extra fields. */
const BSUID_FIELDS: JsonObject = {
  user_id: { type: 'string', pattern: '^[A-Z]{2}\\.[A-Za-z0-9]{1,128}$' },
  username: { type: 'string' },
  parent_user_id: { type: 'string', pattern: '^[A-Z]{2}\\.ENT\\.[A-Za-z0-9]{1,128}$' },
};

function responseSchema(path: SpecPath, method: string, status: number): { schema: Json; strict: boolean } {
  const doc = loadSpec();
  const paths = doc['paths'] as JsonObject;
  const item = paths[path] as JsonObject | undefined;
  if (item === undefined) throw new Error(`Meta's spec has no path ${path}`);
  if (status >= 400) return { schema: pointer(doc, '#/components/schemas/GraphAPIError'), strict: false };
  // GET /invite_link is documented in Meta's prose but not in the spec; its body is the one POST returns.
  const operationMethod = path === '/{Version}/{group_id}/invite_link' && method === 'get' ? 'post' : method;
  const operation = item[operationMethod] as JsonObject | undefined;
  if (operation === undefined) throw new Error(`Meta's spec has no ${method.toUpperCase()} ${path}`);
  const responses = operation['responses'] as JsonObject;
  // 206 (131201, partial success: opt-in on approve/reject) is in Meta's error table, not in its spec; the body is
  // the one the spec gives for 200.
  const response = (responses[String(status)] ??
    (status === 206 ? responses['200'] : undefined) ??
    responses['default']) as JsonObject | undefined;
  if (response === undefined)
    throw new Error(`Meta's spec has no ${status} for ${method.toUpperCase()} ${path}`);
  const content = (response['content'] as JsonObject | undefined)?.['application/json'] as
    JsonObject | undefined;
  return { schema: content?.['schema'] ?? {}, strict: true };
}

/**
 * Throws with every violation when `body` does not match what Meta's spec declares for that response.
 * Does nothing (after saying so once) when the spec is absent outside CI.
 */
export function assertMatchesMetaSpec(
  path: SpecPath | null,
  method: string,
  status: number,
  body: unknown,
): void {
  if (!metaSpecAvailable()) return;
  if (path === null) {
    // A path Meta does not have (unknown edge, bad version): only a Graph error can be right.
    if (status < 400)
      throw new Error(`${method.toUpperCase()} on a path outside Meta's API answered ${status}`);
    path = '/{Version}/{group_id}/join_requests';
  }
  const key = `${method} ${path} ${status >= 400 ? 'error' : status}`;
  let validate = cache.get(key);
  if (validate === undefined) {
    const { schema, strict } = responseSchema(path, method.toLowerCase(), status);
    const inlined = inline(schema, loadSpec(), strict);
    validate = ajv.compile(withDocumentedExtras(`${method.toLowerCase()} ${path}`, inlined) as object);
    cache.set(key, validate);
  }
  if (!validate(body)) {
    throw new Error(
      `${method.toUpperCase()} ${path} ${status} does not match Meta's OpenAPI spec: ${ajv.errorsText(validate.errors)}\n` +
        JSON.stringify(body, null, 2),
    );
  }
}

/**
 * Throws when `body` is not what Meta's spec accepts as the request body of that operation, for that content
 * type. Requests are checked as the spec writes them (not strictly): a client may send fields the spec omits.
 */
export function assertRequestMatchesMetaSpec(
  path: SpecPath,
  method: string,
  contentType: string,
  body: unknown,
): void {
  if (!metaSpecAvailable()) return;
  const key = `request ${method} ${path} ${contentType}`;
  let validate = cache.get(key);
  if (validate === undefined) {
    const doc = loadSpec();
    const operation = ((doc['paths'] as JsonObject)[path] as JsonObject | undefined)?.[
      method.toLowerCase()
    ] as JsonObject | undefined;
    const content = (
      (operation?.['requestBody'] as JsonObject | undefined)?.['content'] as JsonObject | undefined
    )?.[contentType] as JsonObject | undefined;
    if (content === undefined) {
      throw new Error(`Meta's spec has no ${contentType} request body for ${method.toUpperCase()} ${path}`);
    }
    validate = ajv.compile(inline(content['schema'] ?? {}, doc, false) as object);
    cache.set(key, validate);
  }
  if (!validate(body)) {
    throw new Error(
      `the request body of ${method.toUpperCase()} ${path} is not what Meta's spec accepts: ${ajv.errorsText(validate.errors)}`,
    );
  }
}
