/**
 * @module server/control/openapi — the control API's OpenAPI document. The paths and schemas come from the routes
 * themselves (a throwaway instance with @fastify/swagger, built on the first request: loading swagger at boot cost
 * about a tenth of the start-up time, measured); this module adds what a client generator needs on top: the
 * `operationId`s and examples of `operations.ts`, the error responses every route can give, and a `servers`
 * entry naming the server the document was fetched from.
 */
import Fastify from 'fastify';
import { CONTROL_OPERATIONS, operationKey } from './operations.js';
import type { ControlDependencies } from './dependencies.js';

type Json = Record<string, unknown>;

const ERROR_SCHEMA = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['message', 'type', 'code', 'fbtrace_id'],
      properties: {
        message: { type: 'string' },
        type: { type: 'string', example: 'GroupgateException' },
        code: { type: 'integer' },
        error_subcode: { type: 'integer' },
        error_data: { type: 'object', properties: { details: { type: 'string' } } },
        fbtrace_id: { type: 'string' },
      },
    },
  },
};

const ERROR_RESPONSES: Record<string, { description: string; when: (route: RouteFacts) => boolean }> = {
  '400': { description: 'Invalid parameter (code 100).', when: (r) => r.takesInput },
  '401': { description: 'The admin token is missing or wrong.', when: (r) => r.secured },
  '404': { description: 'No such business, group, user or record.', when: (r) => r.hasPathParameters },
  '503': { description: 'The store cannot read or write just now; retry.', when: () => true },
};

interface RouteFacts {
  secured: boolean;
  takesInput: boolean;
  hasPathParameters: boolean;
}

function errorResponse(description: string): Json {
  return { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
}

/** Adds operation ids, examples and error responses to what swagger generated from the routes. */
export function enrichOperations(document: Json): Json {
  const paths = (document['paths'] ?? {}) as Record<string, Record<string, Json>>;
  for (const [path, item] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(item)) {
      const known = CONTROL_OPERATIONS[operationKey(method, path)];
      if (known !== undefined) operation['operationId'] = known.operationId;
      const parameters = (operation['parameters'] ?? []) as { in?: string }[];
      const facts: RouteFacts = {
        secured: operation['security'] !== undefined,
        takesInput: operation['requestBody'] !== undefined || parameters.length > 0,
        hasPathParameters: parameters.some((p) => p.in === 'path'),
      };
      const responses = (operation['responses'] ?? {}) as Record<string, Json>;
      // swagger writes a `4XX` range from the routes' `'4xx'` schemas; the specific codes say more.
      delete responses['4XX'];
      for (const [status, { description, when }] of Object.entries(ERROR_RESPONSES)) {
        if (when(facts)) responses[status] = errorResponse(description);
      }
      operation['responses'] = responses;
      const success = Object.entries(responses).find(([status]) => status.startsWith('2'))?.[1];
      const successContent = (success?.['content'] as Record<string, Json> | undefined)?.['application/json'];
      if (known?.responseExample !== undefined && successContent !== undefined) {
        successContent['example'] = known.responseExample;
      }
      const requestContent = (
        (operation['requestBody'] as Json | undefined)?.['content'] as Record<string, Json> | undefined
      )?.['application/json'];
      if (known?.requestExample !== undefined && requestContent !== undefined) {
        requestContent['example'] = known.requestExample;
      }
    }
  }
  const components = (document['components'] ?? {}) as Json;
  components['schemas'] = { ...((components['schemas'] as Json | undefined) ?? {}), Error: ERROR_SCHEMA };
  document['components'] = components;
  return document;
}

/** Generated from the routes, once per server. */
export async function buildOpenApiDocument(
  deps: ControlDependencies,
  routes: (app: ReturnType<typeof Fastify>, deps: ControlDependencies & { prefix: string }) => Promise<void>,
): Promise<Json> {
  const { default: swagger } = await import('@fastify/swagger');
  const docApp = Fastify({ logger: false });
  await docApp.register(swagger, {
    openapi: {
      info: {
        title: 'Groupgate control API',
        version: '0.1.0',
        description:
          "Sandbox set-up that Meta has no API for: businesses and tokens, simulated WhatsApp users, resets. The Graph-compatible API is described by Meta's own OpenAPI document.",
      },
      components: { securitySchemes: { adminToken: { type: 'http', scheme: 'bearer' } } },
    },
    hideUntagged: true,
  });
  await docApp.register(routes, { ...deps, prefix: '/_groupgate' });
  await docApp.ready();
  const document = enrichOperations(docApp.swagger() as unknown as Json);
  await docApp.close();
  return document;
}

/**
 * The document as served: its `servers` entry is the server it was fetched from — the public URL when one is
 * set, else the origin the caller reached — so that a generator pointed at the URL needs no editing.
 */
export function withServer(document: Json, origin: string): Json {
  return { ...document, servers: [{ url: origin, description: 'This Groupgate server' }] };
}
