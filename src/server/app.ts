/**
 * @module server/app — builds the Fastify application and never listens (tests call `inject`, `main` listens).
 * Both surfaces share one error handler and one set of Graph headers; the control API lives under `/_groupgate`.
 */
import multipart from '@fastify/multipart';
import type { Server } from 'node:http';
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
import { SimulatedConditions } from './simulated-conditions.js';
import { WebhookDispatcher } from '../webhooks/dispatcher.js';
import { registerCharsetGuard } from './plugins/charset-guard.js';
import { ConnectionGuard } from './plugins/connection-guard.js';
import { frameworkErrorHandler, registerErrorHandler } from './plugins/error-handler.js';
import { registerGraphHeaders } from './plugins/graph-headers.js';
import { loggerOptions } from './plugins/log-redaction.js';
import { registerMultipartBody } from './plugins/multipart-body.js';
import { registerTextGuard } from './plugins/text-guard.js';
import { parseFormStrict, registerStrictBodyParsers } from './plugins/strict-decoding.js';
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
  | 'trustProxy'
  | 'maxConnections'
  | 'maxConnectionsPerIp'
  | 'headersTimeoutMs'
  | 'requestTimeoutMs'
  | 'adminToken'
  | 'maxParticipants'
  | 'maxGroupsPerPhoneNumber'
  | 'logLevel'
  | 'webhookUrl'
  | 'webhookFields'
  | 'webhookTimeoutMs'
  | 'webhookAllowHosts'
  | 'webhookConcurrency'
  | 'webhookRetryBaseMs'
  | 'webhookRetryMaxMs'
  | 'webhookRetryWindowMs'
  | 'webhookPollMs'
  | 'webhookLogRetentionMs'
  | 'groupRateLimit'
>;

export async function buildApp(config: AppConfig, deps: AppDependencies): Promise<FastifyInstance> {
  const clock = deps.clock ?? (() => Math.floor(Date.now() / 1000));
  // The HTTP server below Fastify: connection caps, timeouts, and Graph answers where Fastify cannot answer.
  const connections = new ConnectionGuard({
    maxConnections: config.maxConnections,
    maxConnectionsPerIp: config.maxConnectionsPerIp,
    headersTimeoutMs: config.headersTimeoutMs,
    requestTimeoutMs: config.requestTimeoutMs,
  });
  const app = Fastify<Server>({
    logger: loggerOptions(config.logLevel),
    genReqId: () => newTraceId(),
    bodyLimit: BODY_LIMIT,
    serverFactory: connections.serverFactory,
    // Requests that arrive while the server closes are answered by the guard, with the Graph envelope.
    return503OnClosing: false,
    // A trailing slash names the same path, as on graph.facebook.com; ids are long base64 strings.
    // Query strings are decoded strictly too: `%FF` is refused, not turned into U+FFFD.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1024, querystringParser: parseFormStrict },
    // Forwarded headers are believed only from the proxies named; from anyone else they could steer paging links.
    trustProxy: config.trustProxy === undefined ? false : [...config.trustProxy],
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler: connections.clientErrorHandler,
    // The control API's schemas are static and tested; validating them against the meta-schema at each start
    // would compile the meta-schema first.
    ajv: { customOptions: { validateSchema: false } },
    schemaController: { compilersFactory: lazyCompilersFactory() },
  });

  app.addHook('preClose', async () => connections.shutDown());
  // Graph takes JSON, form and multipart bodies only; Fastify's default text/plain parser would let a plain
  // string through as a body.
  app.removeContentTypeParser('text/plain');
  registerGraphHeaders(app, new UsageMeter(), clock);
  registerErrorHandler(app, BODY_LIMIT);
  registerCharsetGuard(app);
  // JSON and Graph's form encoding, decoded strictly (text that is not UTF-8 is refused, never replaced). Forms go
  // through Node's own parser (null-prototype objects, arrays for repeated keys), which spares a plugin load.
  registerStrictBodyParsers(app, BODY_LIMIT);
  // Without attachFieldsToBody, which left parser failures untyped: registerMultipartBody reads the parts.
  await app.register(multipart, {
    // Field values arrive as latin1, one character a byte, and are decoded strictly as UTF-8 by the reader.
    defCharset: 'latin1',
    limits: { fieldSize: BODY_LIMIT, fields: 100, files: 1, fileSize: MAX_GROUP_PHOTO_BYTES, parts: 101 },
  });
  registerMultipartBody(app);
  registerTextGuard(app);
  const dispatcher = new WebhookDispatcher(deps.store, {
    retry: {
      baseDelayMs: config.webhookRetryBaseMs,
      maxDelayMs: config.webhookRetryMaxMs,
      windowMs: config.webhookRetryWindowMs,
    },
    timeoutMs: config.webhookTimeoutMs,
    allowHosts: config.webhookAllowHosts,
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
    // The call stages, in the order every Graph call meets them (edge-router.ts).
    stages: [new GroupRateLimiter(config.groupRateLimit)],
  };
  // The states tests put businesses and users in through the control API (eligibility, armed failures, terms).
  const conditions = new SimulatedConditions();
  registerJoinRequestRoutes(app, edgeDeps, {
    publicUrl: config.publicUrl,
    maxParticipants: config.maxParticipants,
    conditions,
  });
  registerGroupRoutes(app, edgeDeps, {
    publicUrl: config.publicUrl,
    maxGroupsPerPhoneNumber: config.maxGroupsPerPhoneNumber,
    conditions,
  });
  registerInviteLinkRoutes(app, edgeDeps);
  registerParticipantRoutes(app, edgeDeps);
  registerGroupNodeRoutes(app, edgeDeps, { conditions });

  await app.register(consoleRoutes);
  await app.register(controlRoutes, {
    prefix: '/_groupgate',
    store: deps.store,
    clock,
    adminToken: config.adminToken,
    maxParticipants: config.maxParticipants,
    webhookTimeoutMs: config.webhookTimeoutMs,
    webhookAllowHosts: config.webhookAllowHosts,
    conditions,
  });
  return app;
}
