/**
 * @module testing/control-spec — checks the control API's answers against its own OpenAPI document, as
 * `meta-spec.ts` checks Graph answers against Meta's: every control call a test makes through the harness must
 * answer what the document says (strictly: a field the document does not declare is an error), so the document
 * a user generates a client from cannot drift from the routes.
 */
import type { FastifyInstance } from 'fastify';
import { Ajv, type ValidateFunction } from 'ajv';

type Json = Record<string, unknown>;
interface Operation {
  responses?: Record<string, { content?: Record<string, { schema?: Json }> }>;
}

let documentOnce: Promise<{ paths: Record<string, Record<string, Operation>> }> | undefined;
const ajv = new Ajv({ strict: false, allErrors: true });
const validators = new Map<string, ValidateFunction | null>();

/** The schema as a generated client reads it: an object with named properties has no others. */
export function strictSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strictSchema);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, strictSchema(v)]));
  if (out['type'] === 'object' && out['properties'] !== undefined) out['additionalProperties'] ??= false;
  return out;
}

function templateMatches(template: string, path: string): boolean {
  const a = template.split('/');
  const b = path.split('/');
  return a.length === b.length && a.every((part, i) => part.startsWith('{') || part === b[i]);
}

/** Throws when a 2xx control answer is not what the document declares for its operation. */
export async function assertMatchesControlDocument(
  app: FastifyInstance,
  adminToken: string,
  method: string,
  url: string,
  status: number,
  body: unknown,
): Promise<void> {
  // The document itself is the one route it leaves out.
  if (status < 200 || status >= 300 || url.startsWith('/_groupgate/openapi.json')) return;
  documentOnce ??= app
    .inject({
      method: 'GET',
      url: '/_groupgate/openapi.json',
      headers: { authorization: `Bearer ${adminToken}` },
    })
    .then((response) => response.json());
  const document = await documentOnce;
  const path = url.split('?')[0] ?? '';
  const template = Object.keys(document.paths).find((candidate) => templateMatches(candidate, path));
  const operation = template === undefined ? undefined : document.paths[template]?.[method.toLowerCase()];
  if (template === undefined || operation === undefined) {
    throw new Error(
      `${method} ${path} answered ${status} but the control API's OpenAPI document has no such operation`,
    );
  }
  const key = `${method} ${template} ${status}`;
  let validate = validators.get(key);
  if (validate === undefined) {
    const schema = operation.responses?.[String(status)]?.content?.['application/json']?.schema;
    validate = schema === undefined ? null : ajv.compile(strictSchema(schema) as Json);
    validators.set(key, validate);
  }
  if (validate === null) {
    throw new Error(`${method} ${template} answered ${status}, which its OpenAPI document does not declare`);
  }
  if (!validate(body)) {
    throw new Error(
      `${method} ${template} ${status} does not match the control API's OpenAPI document: ${ajv.errorsText(validate.errors)}\n` +
        JSON.stringify(body, null, 2).slice(0, 2000),
    );
  }
}
