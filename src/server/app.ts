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
import { registerBatchRoutes } from './graph/routes/batch.js';
import { registerGroupRoutes } from './graph/routes/groups.js';
import { registerGroupNodeRoutes } from './graph/routes/group-node.js';
import { registerInviteLinkRoutes } from './graph/routes/invite-link.js';
import { registerJoinRequestRoutes } from './graph/routes/join-requests.js';
import { registerParticipantRoutes } from './graph/routes/participants.js';
import { CallLimiter } from './call-limits.js';
import { SYSTEM_CLOCK, WebhookDispatcher } from '../webhooks/dispatcher.js';
import { VirtualClock } from './clock/virtual-clock.js';
import { FaultRegistry } from './faults/fault-registry.js';
import { FaultStage, registerFaultStage } from './faults/fault-stage.js';
import { SimulatedConditions } from './simulated-conditions.js';
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
import { describeCall, registerJournalCapture, type CapturedCall } from './journal/capture.js';
import { RequestJournal } from './journal/request-journal.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The virtual clock this app reads time from (server/clock): `launch` seeds the demo on it. */
    virtualClock: VirtualClock;
  }
}

export interface AppDependencies {
  store: Store;
  /**
   * Unix seconds the Graph routes and control routes read; injectable so tests can move time by hand (token expiry).
   * @default the virtual clock, in seconds
   */
  clock?: () => number;
  /** Deliver webhooks from this instance. @default true */
  deliverWebhooks?: boolean;
  /** The request journal's clock, Unix milliseconds. @default the virtual clock, in milliseconds */
  clockMs?: () => number;
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
  | 'journalSize'
  | 'faultHeader'
>;

export async function buildApp(config: AppConfig, deps: AppDependencies): Promise<FastifyInstance> {
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
  // The virtual clock, shared through the store: read once here, then read back only when it changes.
  const virtualClock = new VirtualClock(deps.store, {
    onError: (error) => app.log.error({ err: error }, 'virtual clock: could not read the clock back'),
  });
  await virtualClock.start();
  app.decorate('virtualClock', virtualClock);
  app.addHook('onClose', async () => virtualClock.stop());
  const clock = deps.clock ?? (() => virtualClock.nowSeconds());
  const clockMs = () => virtualClock.nowMs();
  // Graph takes JSON, form and multipart bodies only; Fastify's default text/plain parser would let a plain
  // string through as a body.
  app.removeContentTypeParser('text/plain');
  const groupOperationsDefault =
    config.groupRateLimit === undefined
      ? undefined
      : { max: config.groupRateLimit.operations, perSeconds: config.groupRateLimit.windowSeconds };
  const limiter = new CallLimiter(deps.store, groupOperationsDefault);
  registerGraphHeaders(app, new UsageMeter(), clock, limiter);
  registerErrorHandler(app, BODY_LIMIT, clock);
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
  // Fault rules live in this instance's memory (docs/decisions.md): the control API edits them, the Graph call
  // stage and the webhook dispatcher consult them.
  const faults = new FaultRegistry();
  const faultStage = new FaultStage(faults, { header: config.faultHeader });
  registerFaultStage(app, faultStage);
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
    // Timers wait on the wall clock: a retry the virtual clock jumps past is sent when it moves (clockMoved).
    clock: { now: clockMs, setTimer: SYSTEM_CLOCK.setTimer },
    faults,
  });
  if (deps.deliverWebhooks !== false) {
    virtualClock.onChange(() => dispatcher.clockMoved());
    app.addHook('onReady', async () => dispatcher.start());
    app.addHook('onClose', async () => dispatcher.stop());
  }
  // The request journal: one pair of app-level hooks, registered only when it is on (server/journal/capture).
  let journal: RequestJournal<CapturedCall> | undefined;
  if (config.journalSize > 0) {
    const journalLog = app.log.child({ component: 'request journal' });
    journal = new RequestJournal(deps.store, describeCall, {
      maxEntries: config.journalSize,
      onError: (error) => journalLog.warn({ err: error }, 'a batch of journal entries was not written'),
    });
    registerJournalCapture(app, journal, deps.clockMs ?? clockMs);
    const closing = journal;
    // Before the store closes (launch closes the app first): the last calls are written.
    app.addHook('onClose', async () => closing.close());
  }
  const batch = registerBatchRoutes(app);
  const edgeDeps = {
    store: deps.store,
    clock,
    clockMs,
    versionRoot: batch.handle,
    // The call stages, in the order every Graph call meets them (edge-router.ts).
    // Faults first: a call a fault refuses did not run, so it is not counted against a limit.
    stages: [faultStage, limiter],
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
    clockMs,
    virtualClock,
    adminToken: config.adminToken,
    maxParticipants: config.maxParticipants,
    webhookTimeoutMs: config.webhookTimeoutMs,
    webhookAllowHosts: config.webhookAllowHosts,
    publicUrl: config.publicUrl,
    groupOperationsDefault,
    journal,
    faults,
    conditions,
  });
  return app;
}
