/**
 * @module server/app — builds the Fastify application and never listens (tests call `inject`, `main` listens).
 * Both surfaces share one error handler and one set of Graph headers; the control API lives under `/_groupgate`.
 */
import multipart from '@fastify/multipart';
import { parse as parseQueryString } from 'node:querystring';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { MAX_GROUP_PHOTO_BYTES } from '@groupgate/sdk/contract';
import { newTraceId } from '../domain/ids.js';
import type { Store } from '../storage/store.js';
import { consoleRoutes } from './console/routes.js';
import { controlRoutes } from './control/routes.js';
import { registerGroupRoutes } from './graph/routes/groups.js';
import { registerGroupNodeRoutes } from './graph/routes/group-node.js';
import { registerInviteLinkRoutes } from './graph/routes/invite-link.js';
import { registerJoinRequestRoutes } from './graph/routes/join-requests.js';
import { registerParticipantRoutes } from './graph/routes/participants.js';
import { GroupRateLimiter } from './group-rate-limit.js';
import { WebhookDispatcher } from '../webhooks/dispatcher.js';
import { clientErrorHandler, frameworkErrorHandler, registerErrorHandler } from './plugins/error-handler.js';
import { registerGraphHeaders } from './plugins/graph-headers.js';
import { UsageMeter } from './usage-meter.js';
import { lazyCompilersFactory } from './lazy-compilers.js';

export interface AppDependencies {
  store: Store;
  /** Unix seconds; injectable so tests can move time (token expiry). */
  clock?: () => number;
  /** Deliver webhooks from this instance. @default true */
  deliverWebhooks?: boolean;
}

/** 1 MiB: a thousand ids in one call is about 50 KiB. */
export const BODY_LIMIT = 1024 * 1024;

export type AppConfig = Pick<
  Config,
  | 'publicUrl'
  | 'adminToken'
  | 'maxParticipants'
  | 'maxGroupsPerPhoneNumber'
  | 'logLevel'
  | 'webhookUrl'
  | 'webhookFields'
  | 'webhookTimeoutMs'
  | 'webhookConcurrency'
  | 'webhookRetryBaseMs'
  | 'webhookRetryMaxMs'
  | 'webhookRetryWindowMs'
  | 'webhookPollMs'
  | 'webhookLogRetentionMs'
  | 'groupRateLimit'
>;

/**
 * Runs `register` with `globalThis.FormData` hidden. Node defines it as a lazy getter that loads undici, 18 ms of
 * start-up here (a sixteenth of the cold start); @fastify/multipart reads it only to offer `request.formData()`,
 * which Groupgate never calls, and falls back to a decorator that says FormData is unavailable.
 */
async function withoutGlobalFormData(register: () => PromiseLike<unknown>): Promise<void> {
  const original = Object.getOwnPropertyDescriptor(globalThis, 'FormData');
  if (original === undefined) {
    await register();
    return;
  }
  Object.defineProperty(globalThis, 'FormData', { value: undefined, configurable: true, writable: true });
  try {
    await register();
  } finally {
    Object.defineProperty(globalThis, 'FormData', original);
  }
}

export async function buildApp(config: AppConfig, deps: AppDependencies): Promise<FastifyInstance> {
  const clock = deps.clock ?? (() => Math.floor(Date.now() / 1000));
  const app = Fastify({
    logger: { level: config.logLevel },
    genReqId: () => newTraceId(),
    bodyLimit: BODY_LIMIT,
    // Slow or stalled clients are cut off instead of holding a connection forever.
    connectionTimeout: 60_000,
    requestTimeout: 30_000,
    // A trailing slash names the same path, as on graph.facebook.com; ids are long base64 strings.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1024 },
    trustProxy: true,
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
    // The control API's schemas are static and tested; validating them against the meta-schema at each start
    // would compile the meta-schema first.
    ajv: { customOptions: { validateSchema: false } },
    schemaController: { compilersFactory: lazyCompilersFactory() },
  });

  // Graph takes JSON, form and multipart bodies only; Fastify's default text/plain parser would let a plain
  // string through as a body.
  app.removeContentTypeParser('text/plain');
  registerGraphHeaders(app, new UsageMeter(), clock);
  registerErrorHandler(app, BODY_LIMIT);
  // Graph's form encoding. Node's own parser (null-prototype objects, arrays for repeated keys) spares a plugin load.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: BODY_LIMIT },
    (_request, body, done) => done(null, parseQueryString(body as string)),
  );
  await withoutGlobalFormData(() =>
    app.register(multipart, {
      attachFieldsToBody: 'keyValues',
      limits: { fieldSize: BODY_LIMIT, fields: 100, files: 1, fileSize: MAX_GROUP_PHOTO_BYTES, parts: 101 },
    }),
  );
  const dispatcher = new WebhookDispatcher(deps.store, {
    retry: {
      baseDelayMs: config.webhookRetryBaseMs,
      maxDelayMs: config.webhookRetryMaxMs,
      windowMs: config.webhookRetryWindowMs,
    },
    timeoutMs: config.webhookTimeoutMs,
    concurrency: config.webhookConcurrency,
    pollIntervalMs: config.webhookPollMs,
    logRetentionMs: config.webhookLogRetentionMs,
    defaultSubscription:
      config.webhookUrl === undefined
        ? undefined
        : { callbackUrl: config.webhookUrl, fields: config.webhookFields },
    onError: (error) => app.log.error({ err: error }, 'webhook dispatcher'),
  });
  if (deps.deliverWebhooks !== false) {
    app.addHook('onReady', async () => dispatcher.start());
    app.addHook('onClose', async () => dispatcher.stop());
  }
  const edgeDeps = {
    store: deps.store,
    clock,
    rateLimiter: new GroupRateLimiter(config.groupRateLimit),
  };
  registerJoinRequestRoutes(app, edgeDeps, {
    publicUrl: config.publicUrl,
    maxParticipants: config.maxParticipants,
  });
  registerGroupRoutes(app, edgeDeps, {
    publicUrl: config.publicUrl,
    maxGroupsPerPhoneNumber: config.maxGroupsPerPhoneNumber,
  });
  registerInviteLinkRoutes(app, edgeDeps);
  registerParticipantRoutes(app, edgeDeps);
  registerGroupNodeRoutes(app, edgeDeps);

  await app.register(consoleRoutes);
  await app.register(controlRoutes, {
    prefix: '/_groupgate',
    store: deps.store,
    clock,
    adminToken: config.adminToken,
    maxParticipants: config.maxParticipants,
    webhookTimeoutMs: config.webhookTimeoutMs,
  });
  return app;
}
