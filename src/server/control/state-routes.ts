/**
 * @module server/control/state-routes — `GET /_groupgate/state` exports the state document (docs/state.md), `PUT`
 * replaces the state with one, all or nothing. The document holds access tokens and app secrets: it is a fixture
 * format, for test set-ups, behind the admin token like the rest of this API.
 */
import type { ControlSuccess } from '@groupgate/sdk/contract';
import type { FastifyInstance } from 'fastify';
import { GRAPH_ERRORS } from '../../domain/error-catalog.js';
import { documentFromSnapshot } from '../../domain/state.js';
import { StoreConflictError } from '../../storage/store.js';
import { GraphError } from '../graph-error.js';
import { importStateDocument, parseStateText, StateDocumentError, stateFormatOf } from '../state-document.js';
import type { ControlDependencies } from './dependencies.js';
import { controlError } from './sandbox.js';
import { ERROR_RESPONSE, SECURED, TAGS } from './schemas.js';

/** A state document may be large (a business with 100,000 requests is about 12 MB of JSON). */
const STATE_BODY_LIMIT = 256 * 1024 * 1024;
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

export function registerStateRoutes(app: FastifyInstance, deps: ControlDependencies): void {
  const { store } = deps;

  // YAML is read on this route only; its text is parsed in the handler, where its errors can name a path.
  app.addContentTypeParser(
    YAML_TYPES,
    { parseAs: 'string', bodyLimit: STATE_BODY_LIMIT },
    (request, body, done) => {
      if (request.routeOptions.url !== STATE_URL) {
        const details = 'The control API takes application/json; YAML only on PUT /_groupgate/state.';
        done(
          new GraphError(GRAPH_ERRORS.UNSUPPORTED_CONTENT_TYPE, {
            params: { contentType: String(request.headers['content-type'] ?? '') },
            details,
          }),
        );
        return;
      }
      done(null, { yaml: body as string });
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
        response: { '4xx': ERROR_RESPONSE },
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
        body: { type: 'object', description: 'A state document: docs/state.schema.json.' },
        response: {
          200: { type: 'object', properties: { success: { type: 'boolean' } } },
          '4xx': ERROR_RESPONSE,
        },
      },
    },
    async (request) => {
      const { waba_id: wabaId } = request.query as { waba_id?: string };
      const body = request.body as { yaml?: unknown };
      try {
        const value =
          typeof body.yaml === 'string' && stateFormatOf(request.headers['content-type'] ?? '') === 'yaml'
            ? await parseStateText(body.yaml, 'yaml')
            : body;
        await importStateDocument(store, value, {
          ...(wabaId !== undefined && { wabaId }),
          nowMs: deps.clock() * 1000,
        });
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
