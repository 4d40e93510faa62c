/**
 * @module server/control/webhook-routes — webhook settings per app (Meta's App Dashboard > WhatsApp >
 * Configuration), the delivery log and replays. Setting a callback URL performs Meta's verification handshake and
 * is refused when the endpoint does not echo the challenge.
 */
import type { FastifyInstance } from 'fastify';
import {
  WEBHOOK_DELIVERY_STATES,
  WEBHOOK_FIELDS,
  type AppWebhookSettings,
  type ControlList,
  type ControlSuccess,
  type SetWebhookBody,
  type WebhookAttempt,
  type WebhookDelivery,
  type WebhookDeliveryDetail,
  type WebhookDeliveryState,
  type WebhookField,
} from '@groupgate/sdk/contract';
import { GRAPH_ERRORS } from '../../domain/error-catalog.js';
import type {
  WebhookAttempt as WebhookAttemptRecord,
  WebhookEventRecord,
  WebhookSettings,
} from '../../domain/records.js';
import { callbackUrlProblem } from '../../webhooks/callback-url.js';
import { verifyCallbackUrl } from '../../webhooks/handshake.js';
import type { ControlDependencies } from './dependencies.js';
import { controlError, findAppOrFail } from './sandbox.js';
import { ERROR_RESPONSE, SECURED, TAGS } from './schemas.js';

const APP_PARAMS = { type: 'object', properties: { app_id: { type: 'string' } } };
const SETTINGS = {
  type: 'object',
  properties: {
    app_id: { type: 'string' },
    callback_url: { type: 'string' },
    verify_token: { type: 'string' },
    fields: { type: 'array', items: { type: 'string' } },
    updated_at: { type: 'integer', description: 'Unix milliseconds.' },
  },
};
const STATES = [...WEBHOOK_DELIVERY_STATES];
const DELIVERY = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    app_id: { type: 'string' },
    group_id: { type: 'string' },
    field: { type: 'string' },
    type: { type: 'string', description: 'The `type` of the groups[] item.' },
    state: { type: 'string', enum: STATES },
    attempts: { type: 'integer' },
    created_at: { type: 'integer', description: 'Unix milliseconds, as are the other times.' },
    next_attempt_at: { type: ['integer', 'null'] },
    delivered_at: { type: ['integer', 'null'] },
    last_status_code: { type: ['integer', 'null'] },
    last_error: { type: ['string', 'null'] },
    last_latency_ms: { type: ['integer', 'null'] },
    item: { type: 'object', additionalProperties: true, description: 'The groups[] item sent.' },
  },
};
const ATTEMPT = {
  type: 'object',
  properties: {
    attempt: { type: 'integer' },
    started_at: { type: 'integer' },
    duration_ms: { type: 'integer' },
    url: { type: 'string' },
    status_code: { type: ['integer', 'null'] },
    error: { type: ['string', 'null'] },
  },
};

function renderSettings(settings: WebhookSettings): AppWebhookSettings {
  return {
    app_id: settings.appId,
    callback_url: settings.callbackUrl,
    verify_token: settings.verifyToken,
    fields: settings.fields,
    updated_at: settings.updatedAt,
  };
}

function renderDelivery(event: WebhookEventRecord): WebhookDelivery {
  const item = JSON.parse(event.itemJson) as Record<string, unknown>;
  return {
    id: event.id,
    app_id: event.appId,
    group_id: event.groupId,
    field: event.field,
    type: item['type'] as string,
    state: event.state,
    attempts: event.attempts,
    created_at: event.createdAt,
    next_attempt_at: event.nextAttemptAt,
    delivered_at: event.deliveredAt,
    last_status_code: event.lastStatusCode,
    last_error: event.lastError,
    last_latency_ms: event.lastLatencyMs,
    item,
  };
}

function renderAttempt(attempt: WebhookAttemptRecord): WebhookAttempt {
  return {
    attempt: attempt.attempt,
    started_at: attempt.startedAt,
    duration_ms: attempt.durationMs,
    url: attempt.url,
    status_code: attempt.statusCode,
    error: attempt.error,
  };
}

export function registerWebhookRoutes(app: FastifyInstance, deps: ControlDependencies): void {
  const { store } = deps;
  const appOrFail = (appId: string) => findAppOrFail(store, appId);

  app.put(
    '/apps/:app_id/webhook',
    {
      schema: {
        tags: TAGS,
        summary:
          "Set the app's callback URL, verify token and subscribed fields (and optionally rotate its app secret). Groupgate first sends Meta's verification GET (hub.mode=subscribe, hub.challenge, hub.verify_token) and refuses the URL unless it answers 200 with the challenge.",
        security: SECURED,
        params: APP_PARAMS,
        body: {
          type: 'object',
          required: ['callback_url', 'verify_token'],
          additionalProperties: false,
          properties: {
            callback_url: { type: 'string', pattern: '^https?://', maxLength: 2048 },
            verify_token: { type: 'string', minLength: 1, maxLength: 512 },
            fields: {
              type: 'array',
              uniqueItems: true,
              items: { type: 'string', enum: [...WEBHOOK_FIELDS] },
              default: [...WEBHOOK_FIELDS],
            },
            app_secret: { type: 'string', minLength: 8, maxLength: 512 },
          },
        },
        response: { 200: SETTINGS, '4xx': ERROR_RESPONSE },
      },
    },
    async (request) => {
      const { app_id: appId } = request.params as { app_id: string };
      // The schema's default fills `fields` in.
      const body = request.body as SetWebhookBody & { fields: WebhookField[] };
      const problem = callbackUrlProblem(body.callback_url);
      if (problem !== undefined) {
        throw controlError(GRAPH_ERRORS.CONTROL_INVALID_PARAMETER, `Param callback_url ${problem}`);
      }
      await appOrFail(appId);
      const verified = await verifyCallbackUrl(body.callback_url, body.verify_token, {
        timeoutMs: deps.webhookTimeoutMs,
        allowHosts: deps.webhookAllowHosts,
      });
      if (!verified.ok) throw controlError(GRAPH_ERRORS.CONTROL_INVALID_PARAMETER, verified.reason);
      if (body.app_secret !== undefined) await store.setAppSecret(appId, body.app_secret);
      const settings = {
        appId,
        callbackUrl: body.callback_url,
        verifyToken: body.verify_token,
        fields: body.fields,
        updatedAt: deps.clockMs(),
      };
      await store.saveWebhookSettings(settings);
      // Events held back for want of a subscription stay skipped, as at Meta; new ones go to the new URL.
      return renderSettings(settings);
    },
  );

  app.get(
    '/apps/:app_id/webhook',
    {
      schema: {
        tags: TAGS,
        summary: "The app's own webhook settings (the server-wide --webhook-url applies when it has none).",
        security: SECURED,
        params: APP_PARAMS,
        response: { 200: SETTINGS, '4xx': ERROR_RESPONSE },
      },
    },
    async (request) => {
      const { app_id: appId } = request.params as { app_id: string };
      await appOrFail(appId);
      const settings = await store.findWebhookSettings(appId);
      if (settings === undefined) {
        throw controlError(
          GRAPH_ERRORS.CONTROL_NOT_FOUND,
          `App ${appId} has no webhook settings of its own.`,
        );
      }
      return renderSettings(settings);
    },
  );

  app.get(
    '/webhooks/deliveries',
    {
      schema: {
        tags: TAGS,
        summary:
          'The delivery log, newest first: each event with its state, attempts, last status and latency, and next retry. Page with `before` = the last id seen.',
        security: SECURED,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            app_id: { type: 'string' },
            group_id: { type: 'string' },
            state: { type: 'string', enum: STATES },
            before: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
          },
        },
        response: {
          200: { type: 'object', properties: { data: { type: 'array', items: DELIVERY } } },
          '4xx': ERROR_RESPONSE,
        },
      },
    },
    async (request) => {
      const query = request.query as {
        app_id?: string;
        group_id?: string;
        state?: WebhookDeliveryState;
        before?: number;
        limit: number;
      };
      const events = await store.listWebhookEvents({
        limit: query.limit,
        ...(query.app_id !== undefined && { appId: query.app_id }),
        ...(query.group_id !== undefined && { groupId: query.group_id }),
        ...(query.state !== undefined && { state: query.state }),
        ...(query.before !== undefined && { beforeId: query.before }),
      });
      return { data: events.map(renderDelivery) } satisfies ControlList<WebhookDelivery>;
    },
  );

  const ID_PARAMS = {
    type: 'object',
    properties: { id: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } },
  };
  app.get(
    '/webhooks/deliveries/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'One event of the delivery log with every attempt made.',
        security: SECURED,
        params: ID_PARAMS,
        response: {
          200: {
            ...DELIVERY,
            properties: { ...DELIVERY.properties, attempt_log: { type: 'array', items: ATTEMPT } },
          },
          '4xx': ERROR_RESPONSE,
        },
      },
    },
    async (request) => {
      const { id } = request.params as { id: number };
      const found = await store.findWebhookEvent(id);
      if (found === undefined) throw controlError(GRAPH_ERRORS.CONTROL_NOT_FOUND, `No webhook event ${id}.`);
      return {
        ...renderDelivery(found.event),
        attempt_log: found.attempts.map(renderAttempt),
      } satisfies WebhookDeliveryDetail;
    },
  );

  app.post(
    '/webhooks/deliveries/:id/replay',
    {
      schema: {
        tags: TAGS,
        summary:
          'Send the event again now, with the same body, whatever its state: delivered, failed (given up), skipped or still retrying.',
        security: SECURED,
        params: ID_PARAMS,
        response: {
          200: { type: 'object', properties: { success: { type: 'boolean' } } },
          '4xx': ERROR_RESPONSE,
        },
      },
    },
    async (request) => {
      const { id } = request.params as { id: number };
      if (!(await store.replayWebhookEvent(id, deps.clockMs()))) {
        throw controlError(GRAPH_ERRORS.CONTROL_NOT_FOUND, `No webhook event ${id}.`);
      }
      return { success: true } satisfies ControlSuccess;
    },
  );
}
