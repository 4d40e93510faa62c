/**
 * @module server/control/routes — the control API under `/_groupgate`: sandbox set-up Meta has no API for.
 * JSON in and out, the Graph error envelope on failure, guarded by the admin token (health and the OpenAPI
 * document excepted). Its OpenAPI document is generated from these route schemas.
 */
import { timingSafeEqual } from 'node:crypto';
import type {} from '@fastify/swagger';
import type {
  ControlPagedList,
  ControlSuccess,
  CreateSandboxBusinessBody,
  Health,
  IssuedToken,
  IssueTokenBody,
  SandboxBusiness,
  SandboxBusinessSummary,
  SandboxGroup,
  SimulatedCancel,
  SimulatedJoin,
  SimulateJoinBody,
  SimulatedUserActionBody,
} from '@groupgate/sdk/contract';
import type { Ajv as AjvClass, ErrorObject, ValidateFunction } from 'ajv';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { encodeCursor, decodeCursor } from '../../domain/cursors.js';
import { GRAPH_ERRORS } from '../../domain/error-catalog.js';
import { GraphError } from '../graph-error.js';
import { storeUnavailable } from '../plugins/error-handler.js';
import { lazyRequire } from '../lazy-require.js';
import { inviteLinkFor } from '../graph/routes/invite-link.js';
import {
  controlError,
  createBusinessWithToken,
  findBusinessOrFail,
  findGroupOrFail,
  issueToken,
  simulateCancelJoin,
  simulateJoin,
} from './sandbox.js';
import {
  ERROR_RESPONSE,
  GROUP_ID_BODY,
  SECURED,
  TAGS,
  USER_OPTIONS,
  USER_PARAMS,
  userOptionsOf,
  WA_ID_PARAMS,
} from './schemas.js';
import { buildOpenApiDocument, withServer } from './openapi.js';
import { registerConditionRoutes } from './condition-routes.js';
import { registerSimulationRoutes } from './simulation-routes.js';
import { registerStateRoutes } from './state-routes.js';
import { registerWebhookRoutes } from './webhook-routes.js';
import { registerLimitRoutes } from './limit-routes.js';
import { registerJournalRoutes } from './journal-routes.js';
import { registerClockRoutes } from './clock-routes.js';
import { registerAppRoutes } from './app-routes.js';
import { registerFaultRoutes } from './fault-routes.js';
import type { ControlDependencies } from './dependencies.js';

// Request validation with ajv loaded and schemas compiled on first use, not at start-up. Path and query values
// are strings, so they are coerced to the schema's types (Fastify's defaults); a JSON body already has its types,
// so it is taken as sent: a null or a string where a number belongs is refused, never turned into 0 or "", and a
// property the schema does not name is refused rather than silently dropped.
const loadAjv = lazyRequire<{ Ajv: typeof AjvClass }>('ajv');
const validators = new Map<'coercing' | 'strict', AjvClass>();
function validatorFor(kind: 'coercing' | 'strict'): AjvClass {
  let ajv = validators.get(kind);
  if (ajv === undefined) {
    ajv = new (loadAjv().Ajv)({
      coerceTypes: kind === 'coercing' ? 'array' : false,
      useDefaults: true,
      removeAdditional: kind === 'coercing',
      validateSchema: false,
    });
    validators.set(kind, ajv);
  }
  return ajv;
}

type LazyValidator = ((data: unknown) => boolean) & {
  errors: NonNullable<ValidateFunction['errors']> | null;
};

/**
 * ajv coerces any string Number() reads: '0x10', ' 5', and '1e400', which is Infinity and then passes every bound.
 * A path or query integer is therefore written in decimal digits, or it is not an integer.
 */
const INTEGER_TEXT = /^-?\d{1,20}$/;

function notDecimal(schema: object, data: unknown): ErrorObject | undefined {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> }).properties ?? {};
  for (const [key, property] of Object.entries(properties)) {
    const value = (data as Record<string, unknown> | null | undefined)?.[key];
    if (property.type === 'integer' && typeof value === 'string' && !INTEGER_TEXT.test(value)) {
      const params = { type: 'integer' };
      return { keyword: 'type', instancePath: `/${key}`, schemaPath: '', params, message: 'must be integer' };
    }
  }
  return undefined;
}

function lazyValidator(schema: object, kind: 'coercing' | 'strict'): LazyValidator {
  let compiled: ValidateFunction | undefined;
  const validate: LazyValidator = Object.assign(
    (data: unknown): boolean => {
      const malformed = kind === 'coercing' ? notDecimal(schema, data) : undefined;
      if (malformed !== undefined) {
        validate.errors = [malformed];
        return false;
      }
      compiled ??= validatorFor(kind).compile(schema);
      const valid = compiled(data);
      validate.errors = compiled.errors ?? null;
      return valid;
    },
    { errors: null },
  );
  return validate;
}

/** The node the businesses list's cursors are issued for: the list is the whole server's. */
const CONTROL_CURSOR_NODE = '_groupgate';

const BUSINESS_SUMMARY = {
  type: 'object',
  properties: {
    waba_id: { type: 'string' },
    phone_number_id: { type: 'string' },
    display_phone_number: { type: 'string' },
    app_id: { type: 'string' },
    name: { type: 'string' },
    creation_timestamp: { type: 'integer' },
  },
};

function isAdmin(request: FastifyRequest, adminToken: string): boolean {
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  const given = Buffer.from(match?.[1] ?? '');
  const expected = Buffer.from(adminToken);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export async function controlRoutes(app: FastifyInstance, deps: ControlDependencies): Promise<void> {
  const { store, clock } = deps;
  // Matched by the route the router found, so a trailing slash or percent-encoding reaches them as it reaches the
  // route itself.
  const PUBLIC = new Set(['/_groupgate/health', '/_groupgate/health/live', '/_groupgate/openapi.json']);
  // The response schemas are here for the OpenAPI document. Compiling serialisers for them cost a third of the
  // start-up time (measured); this API is not a hot path, so plain JSON.stringify serialises it.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.setValidatorCompiler(({ schema, httpPart }) =>
    lazyValidator(schema, httpPart === 'body' ? 'strict' : 'coercing'),
  );
  // JSON in, as documented: a form or multipart body here is refused as an unsupported content type. Parsers are
  // encapsulated, so the Graph surface keeps all three.
  app.removeContentTypeParser(['application/x-www-form-urlencoded', 'multipart/form-data']);
  // A body, where one is sent, is a JSON object, as on Graph: `1` or `null` sent to a route that takes no body is
  // a mistake to say, not a value to ignore; so is a property it does not take.
  app.addHook('preValidation', async (request) => {
    const { body } = request;
    if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) {
      throw controlError(GRAPH_ERRORS.CONTROL_INVALID_PARAMETER, 'The request body must be a JSON object.');
    }
    // A route that takes no body refuses every property in one, as a route with a body schema refuses the ones it
    // does not name: `{"reason": "spam"}` sent to suspend must not look taken.
    if (body !== undefined && request.routeOptions.schema?.body === undefined) {
      for (const key in body) {
        const details = `Param ${key} is not a parameter of this call`;
        throw controlError(GRAPH_ERRORS.CONTROL_INVALID_PARAMETER, details);
      }
    }
    // The same for the query string, which the validator would otherwise drop unread: `PUT /state?waba_id[]=X`
    // must not become a whole-state replace, nor `DELETE /requests?waba_id=X` empty everyone's journal.
    // Health probes may carry a cache-buster (`?probe=1`): they read nothing and change nothing.
    if (PUBLIC.has(request.routeOptions.url ?? '')) return;
    const declared = (request.routeOptions.schema?.querystring as { properties?: object } | undefined)
      ?.properties;
    for (const key in request.query as object) {
      if (declared === undefined || !Object.hasOwn(declared, key)) {
        const details = `Param ${key} is not a parameter of this call`;
        throw controlError(GRAPH_ERRORS.CONTROL_INVALID_PARAMETER, details);
      }
    }
  });

  app.addHook('onRequest', async (request) => {
    if (PUBLIC.has(request.routeOptions.url ?? '')) return;
    if (!isAdmin(request, deps.adminToken)) throw new GraphError(GRAPH_ERRORS.ADMIN_TOKEN_REQUIRED);
  });

  app.get(
    '/health',
    {
      schema: {
        tags: TAGS,
        summary:
          'Readiness: the store answers a read and commits a write; 503 when it cannot. No token needed.',
        response: {
          200: { type: 'object', properties: { status: { type: 'string' }, store: { type: 'string' } } },
          503: ERROR_RESPONSE,
        },
      },
    },
    async (request) => {
      try {
        await store.checkHealth();
      } catch (error) {
        request.log.warn({ err: error }, 'health: the store cannot read and write');
        // The cause stays in the log: this endpoint needs no token, and a driver's message names hosts and paths.
        throw storeUnavailable(true, `The ${store.kind} store cannot read and write.`);
      }
      return { status: 'ok', store: store.kind } satisfies Health;
    },
  );

  app.get(
    '/health/live',
    {
      schema: {
        tags: TAGS,
        summary: 'Liveness: the process is up and serving, whatever the store. No token needed.',
        response: { 200: { type: 'object', properties: { status: { type: 'string' } } } },
      },
    },
    async () => ({ status: 'ok' }),
  );

  app.post(
    '/businesses',
    {
      schema: {
        tags: TAGS,
        summary: 'Create a sandbox business: a WABA with one phone number, its app, and an access token.',
        security: SECURED,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { name: { type: 'string', minLength: 1, maxLength: 200 } },
        },
        response: {
          201: {
            type: 'object',
            properties: {
              waba_id: { type: 'string' },
              phone_number_id: { type: 'string' },
              display_phone_number: { type: 'string' },
              access_token: { type: 'string' },
              app_id: { type: 'string' },
              app_secret: { type: 'string' },
            },
          },
          '4xx': ERROR_RESPONSE,
        },
      },
    },
    async (request, reply) => {
      const name =
        (request.body as CreateSandboxBusinessBody | undefined)?.name ?? 'Groupgate sandbox business';
      const { business, accessToken } = await createBusinessWithToken(store, name, clock());
      return reply.code(201).send({
        waba_id: business.wabaId,
        phone_number_id: business.phoneNumberId,
        display_phone_number: business.displayPhoneNumber,
        access_token: accessToken,
        app_id: business.appId,
        app_secret: business.appSecret,
      } satisfies SandboxBusiness);
    },
  );

  app.get(
    '/businesses',
    {
      schema: {
        tags: TAGS,
        summary:
          'The businesses, oldest first: their ids and names, never their tokens or app secrets. Page with `after` = `paging.cursors.after`.',
        security: SECURED,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
            after: { type: 'string', maxLength: 512 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              data: { type: 'array', items: BUSINESS_SUMMARY },
              paging: {
                type: 'object',
                properties: { cursors: { type: 'object', properties: { after: { type: 'string' } } } },
              },
            },
          },
          '4xx': ERROR_RESPONSE,
        },
      },
    },
    async (request) => {
      const { limit, after } = request.query as { limit: number; after?: string };
      const afterPk = after === undefined ? 0 : decodeCursor(after, 'businesses', CONTROL_CURSOR_NODE);
      if (afterPk === undefined) {
        throw controlError(
          GRAPH_ERRORS.CONTROL_INVALID_PARAMETER,
          'Param after is not a cursor of this list',
        );
      }
      const rows = await store.listBusinesses({ afterPk, limit: limit + 1 });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        data: page.map((b) => ({
          waba_id: b.wabaId,
          phone_number_id: b.phoneNumberId,
          display_phone_number: b.displayPhoneNumber,
          app_id: b.appId,
          name: b.name,
          creation_timestamp: b.createdAt,
        })),
        paging: {
          cursors:
            rows.length > limit && last !== undefined
              ? { after: encodeCursor('businesses', CONTROL_CURSOR_NODE, last.pk) }
              : {},
        },
      } satisfies ControlPagedList<SandboxBusinessSummary>;
    },
  );

  app.delete(
    '/businesses/:waba_id',
    {
      schema: {
        tags: TAGS,
        summary:
          "Delete one business and all it owns: its tokens, groups, participants, join requests, app and webhook settings, and its events in the delivery log. Other businesses are untouched; a call of this business's still under way answers as if it had already gone (190 for its token, 100/33 for its groups).",
        security: SECURED,
        params: { type: 'object', properties: { waba_id: { type: 'string' } } },
        response: {
          200: { type: 'object', properties: { success: { type: 'boolean' } } },
          '4xx': ERROR_RESPONSE,
        },
      },
    },
    async (request) => {
      const { waba_id: wabaId } = request.params as { waba_id: string };
      const gone = await store.findBusinessByWabaId(wabaId);
      if (gone !== undefined) deps.conditions.forget(gone.pk);
      if (!(await store.deleteBusiness(wabaId))) {
        throw controlError(GRAPH_ERRORS.CONTROL_NOT_FOUND, `No business with WABA id ${wabaId}.`);
      }
      return { success: true } satisfies ControlSuccess;
    },
  );

  app.post(
    '/businesses/:waba_id/tokens',
    {
      schema: {
        tags: TAGS,
        summary: 'Issue another access token for a business, optionally expiring after `expires_in` seconds.',
        security: SECURED,
        params: { type: 'object', properties: { waba_id: { type: 'string' } } },
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { expires_in: { type: 'integer', minimum: 0, maximum: 315360000 } },
        },
        response: {
          201: {
            type: 'object',
            properties: { access_token: { type: 'string' }, expires_at: { type: ['integer', 'null'] } },
          },
          '4xx': ERROR_RESPONSE,
        },
      },
    },
    async (request, reply) => {
      const { waba_id: wabaId } = request.params as { waba_id: string };
      const expiresIn = (request.body as IssueTokenBody | undefined)?.expires_in;
      const business = await findBusinessOrFail(store, wabaId);
      const now = clock();
      const expiresAt = expiresIn === undefined ? null : now + expiresIn;
      const accessToken = await issueToken(store, business, now, expiresAt);
      return reply.code(201).send({ access_token: accessToken, expires_at: expiresAt } satisfies IssuedToken);
    },
  );

  app.delete(
    '/tokens/:token',
    {
      schema: {
        tags: TAGS,
        summary: 'Revoke an access token: Graph calls with it then fail with code 190.',
        security: SECURED,
        params: { type: 'object', properties: { token: { type: 'string' } } },
        response: {
          200: { type: 'object', properties: { success: { type: 'boolean' } } },
          '4xx': ERROR_RESPONSE,
        },
      },
    },
    async (request) => {
      const { token } = request.params as { token: string };
      if (!(await store.revokeAccessToken(token, clock()))) {
        throw controlError(GRAPH_ERRORS.CONTROL_NOT_FOUND, 'No such active access token.');
      }
      return { success: true } satisfies ControlSuccess;
    },
  );

  app.post(
    '/users/:wa_id/join',
    {
      schema: {
        tags: TAGS,
        summary:
          'A simulated WhatsApp user opens an invite link: a pending join request on approval_required groups, membership on auto_approve ones. Asking again while pending returns the same request.',
        security: SECURED,
        params: WA_ID_PARAMS,
        body: {
          type: 'object',
          required: ['invite_link'],
          additionalProperties: false,
          properties: {
            invite_link: { type: 'string', minLength: 1, maxLength: 512 },
            ...USER_OPTIONS,
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              status: { type: 'string', enum: ['requested', 'joined'] },
              join_request_id: { type: 'string' },
              user_id: { type: 'string', description: "The user's BSUID with the group's business." },
            },
          },
          '4xx': ERROR_RESPONSE,
        },
      },
    },
    async (request) => {
      const { wa_id: waId } = request.params as { wa_id: string };
      const body = request.body as SimulateJoinBody;
      const result: SimulatedJoin = await simulateJoin(
        store,
        waId,
        body.invite_link,
        clock(),
        deps.maxParticipants,
        deps.clockMs(),
        userOptionsOf(body),
      );
      return result;
    },
  );

  app.post(
    '/users/:wa_id/cancel_join',
    {
      schema: {
        tags: TAGS,
        summary:
          'A simulated user, named by phone number or by BSUID, withdraws their pending join request (webhook group_join_request_revoked).',
        security: SECURED,
        params: USER_PARAMS,
        body: GROUP_ID_BODY,
        response: {
          200: {
            type: 'object',
            properties: { status: { type: 'string' }, join_request_id: { type: 'string' } },
          },
          '4xx': ERROR_RESPONSE,
        },
      },
    },
    async (request) => {
      const { wa_id: waId } = request.params as { wa_id: string };
      const { group_id: groupId } = request.body as SimulatedUserActionBody;
      const joinRequestId = await simulateCancelJoin(store, waId, groupId, clock(), deps.clockMs());
      return { status: 'cancelled', join_request_id: joinRequestId } satisfies SimulatedCancel;
    },
  );

  app.get(
    '/groups/:group_id',
    {
      schema: {
        tags: TAGS,
        summary: 'Everything Groupgate knows about a group, including its participants and invite link.',
        security: SECURED,
        params: { type: 'object', properties: { group_id: { type: 'string' } } },
        response: {
          200: {
            type: 'object',
            properties: {
              group_id: { type: 'string' },
              subject: { type: 'string' },
              description: { type: 'string' },
              join_approval_mode: { type: 'string' },
              invite_link: { type: ['string', 'null'] },
              suspended: { type: 'boolean' },
              request_id: { type: 'string' },
              creation_timestamp: { type: 'integer' },
              participants: { type: 'array', items: { type: 'string' } },
              participant_users: {
                type: 'array',
                description:
                  'Each participant as their business sees them, with their number even when they hide it.',
                items: {
                  type: 'object',
                  properties: {
                    wa_id: { type: 'string' },
                    user_id: { type: 'string' },
                    username: { type: 'string' },
                    parent_user_id: { type: 'string' },
                    phone_hidden: { type: 'boolean' },
                  },
                },
              },
            },
          },
          '4xx': ERROR_RESPONSE,
        },
      },
    },
    async (request) => {
      const { group_id: groupId } = request.params as { group_id: string };
      const group = await findGroupOrFail(store, groupId);
      const users = await store.listParticipants(group.pk);
      return {
        group_id: group.groupId,
        subject: group.subject,
        description: group.description,
        join_approval_mode: group.joinApprovalMode,
        invite_link: group.inviteLinkActive ? inviteLinkFor(group.inviteCode) : null,
        suspended: group.suspended,
        request_id: group.requestId,
        creation_timestamp: group.createdAt,
        participants: users.map((user) => user.waId),
        participant_users: users.map((user) => ({
          wa_id: user.waId,
          user_id: user.userId,
          ...(user.username !== undefined && { username: user.username }),
          ...(user.parentUserId !== undefined && { parent_user_id: user.parentUserId }),
          phone_hidden: user.phoneHidden,
        })),
      } satisfies SandboxGroup;
    },
  );

  app.post(
    '/reset',
    {
      schema: {
        tags: TAGS,
        summary:
          "Empty every table: businesses (with their rate limits and counts), tokens, groups, requests, webhook settings, the delivery log and the request journal; return the virtual clock to real time; remove this instance's fault rules and clear its simulated conditions, armed failures and terms. The admin token stays.",
        security: SECURED,
        response: { 200: { type: 'object', properties: { success: { type: 'boolean' } } } },
      },
    },
    async () => {
      // Calls answered before the reset and not yet written would otherwise land in the emptied journal.
      await deps.journal?.discardPending();
      await store.reset();
      // A fresh instance runs on real time; every instance hears of it, this one before answering.
      await deps.virtualClock.reload();
      deps.faults.clear();
      deps.conditions.reset();
      return { success: true } satisfies ControlSuccess;
    },
  );

  registerSimulationRoutes(app, deps);
  registerConditionRoutes(app, deps);
  registerWebhookRoutes(app, deps);
  registerLimitRoutes(app, deps);
  registerJournalRoutes(app, deps);
  registerClockRoutes(app, deps);
  registerAppRoutes(app, deps);
  registerFaultRoutes(app, deps);
  registerStateRoutes(app, deps);

  let document: Promise<Record<string, unknown>> | undefined;
  app.get('/openapi.json', { schema: { hide: true } }, async (request) => {
    document ??= buildOpenApiDocument(deps, controlRoutes);
    return withServer(await document, deps.publicUrl ?? `${request.protocol}://${request.host}`);
  });
}
