/**
 * @module server/control/state-routes — `GET /_groupgate/state` exports the state document (docs/state.md), `PUT`
 * replaces the state with one, all or nothing. The document holds access tokens and app secrets: it is a fixture
 * format, for test set-ups, behind the admin token like the rest of this API.
 */
import type { ControlSuccess } from '@groupgate/sdk/contract';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GRAPH_ERRORS } from '../../domain/error-catalog.js';
import { documentFromSnapshot } from '../../domain/state.js';
import { StoreConflictError } from '../../storage/store.js';
import { GraphError } from '../graph-error.js';
import { importStateDocument, parseStateText, StateDocumentError, stateFormatOf } from '../state-document.js';
import type { ControlDependencies } from './dependencies.js';
import { controlError } from './sandbox.js';
import { ERROR_RESPONSE, SECURED, TAGS } from './schemas.js';
import { STATE_SCHEMA } from '../../domain/state-schema.js';

/** A state document may be large (a business with 100,000 requests is about 12 MB of JSON). */
/** The document's schema as the OpenAPI document embeds it: without the keywords that only a standalone schema has. */
const STATE_DOCUMENT = Object.fromEntries(
  Object.entries(STATE_SCHEMA).filter(([key]) => key !== '$schema' && key !== '$id'),
);

/** A fixture's size with room to spare: parsing a document costs about 90 bytes of memory per byte of YAML. */
const STATE_BODY_LIMIT = 32 * 1024 * 1024;
const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml'];
const STATE_URL = '/_groupgate/state';
const WABA_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    waba_id: { type: 'string', minLength: 1, maxLength: 64 },
    format: { type: 'string', enum: ['json', 'yaml'] },
  },
};

function invalidDocument(error: unknown): unknown {
  if (!(error instanceof StateDocumentError)) return error;
  return controlError(GRAPH_ERRORS.CONTROL_INVALID_PARAMETER, `Invalid state document: ${error.message}`);
}

export function registerStateRoutes(app: FastifyInstance, deps: ControlDependencies): void {
  const { store } = deps;

  // YAML is read on this route only, into the same value a JSON body gives.
  app.addContentTypeParser(
    YAML_TYPES,
    { parseAs: 'string', bodyLimit: STATE_BODY_LIMIT },
    async (request: FastifyRequest, body: string | Buffer) => {
      if (request.routeOptions.url !== STATE_URL) {
        const details = 'The control API takes application/json; YAML only on PUT /_groupgate/state.';
        throw new GraphError(GRAPH_ERRORS.UNSUPPORTED_CONTENT_TYPE, {
          params: { contentType: String(request.headers['content-type'] ?? '') },
          details,
        });
      }
      try {
        return await parseStateText(String(body), 'yaml');
      } catch (error) {
        throw invalidDocument(error);
      }
    },
  );

  app.get(
    '/state',
    {
      schema: {
        tags: TAGS,
        summary:
          'Export the state document (docs/state.md): every business, or with `waba_id` one, with its tokens, app secret, webhook settings, groups, participants and join requests. It holds secrets. JSON, or YAML with `format=yaml` or `Accept: application/yaml`.',
        security: SECURED,
        querystring: WABA_QUERY,
        response: { 200: STATE_DOCUMENT, '4xx': ERROR_RESPONSE },
      },
    },
    async (request, reply) => {
      const { waba_id: wabaId, format } = request.query as { waba_id?: string; format?: 'json' | 'yaml' };
      const snapshot = await store.exportState(wabaId === undefined ? {} : { wabaId });
      if (snapshot === undefined) {
        throw controlError(GRAPH_ERRORS.CONTROL_NOT_FOUND, `No business with WABA id ${String(wabaId)}.`);
      }
      const document = documentFromSnapshot(snapshot, deps.clock());
      const yaml =
        format === 'yaml' || (format === undefined && stateFormatOf(request.headers.accept ?? '') === 'yaml');
      reply.header('cache-control', 'no-store');
      if (!yaml) return reply.type('application/json; charset=utf-8').send(JSON.stringify(document));
      const { stringify } = await import('yaml');
      return reply
        .type('application/yaml; charset=utf-8')
        .serializer((text) => String(text))
        .send(stringify(document));
    },
  );

  app.put(
    '/state',
    {
      bodyLimit: STATE_BODY_LIMIT,
      schema: {
        tags: TAGS,
        summary:
          'Replace the state with a state document (docs/state.md, JSON or YAML), all or nothing: checked first, errors name the bad field (`businesses[0].groups[2].participants[1].wa_id`). With `waba_id`, the document holds that one business and only it is replaced; the others stay. The delivery log is emptied (for that business only, with `waba_id`).',
        security: SECURED,
        querystring: WABA_QUERY,
        // The top level here; the whole document is checked against docs/state.schema.json by the handler, whose
        // errors name the path in the document.
        body: {
          type: 'object',
          description: 'A state document: docs/state.schema.json.',
          additionalProperties: false,
          required: ['groupgate_state'],
          properties: {
            groupgate_state: { type: 'integer' },
            exported_at: { type: 'integer' },
            next_keys: { type: 'object' },
            businesses: { type: 'array', items: { type: 'object' } },
          },
        },
        response: {
          200: { type: 'object', properties: { success: { type: 'boolean' } } },
          '4xx': ERROR_RESPONSE,
        },
      },
    },
    async (request) => {
      const { waba_id: wabaId } = request.query as { waba_id?: string };
      try {
        const replaced = wabaId === undefined ? undefined : await store.findBusinessByWabaId(wabaId);
        await importStateDocument(store, request.body, {
          ...(wabaId !== undefined && { wabaId }),
          nowMs: deps.clock() * 1000,
        });
        // Conditions belong to the businesses replaced; their keys may now be the imported ones'.
        if (wabaId === undefined) deps.conditions.forgetBusinesses();
        else {
          if (replaced !== undefined) deps.conditions.forget(replaced.pk);
          const imported = await store.findBusinessByWabaId(wabaId);
          if (imported !== undefined) deps.conditions.forget(imported.pk);
        }
      } catch (error) {
        if (error instanceof StateDocumentError) {
          throw controlError(
            GRAPH_ERRORS.CONTROL_INVALID_PARAMETER,
            `Invalid state document: ${error.message}`,
          );
        }
        if (error instanceof StoreConflictError) {
          throw controlError(
            GRAPH_ERRORS.CONTROL_CONFLICT,
            `The state document's ids, tokens or invite codes are ${error.message}.`,
          );
        }
        throw error;
      }
      return { success: true } satisfies ControlSuccess;
    },
  );
}
