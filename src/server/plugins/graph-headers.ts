/**
 * @module server/plugins/graph-headers — the headers every graph.facebook.com response carries (reference §4.7):
 * the trace id that also appears as `fbtrace_id` in errors, a request id, the API version served, the business
 * use-case usage, and Graph's no-cache set.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LATEST_API_VERSION } from '@groupgate/sdk/contract';
import { newTraceId } from '../../domain/ids.js';
import type { BusinessRecord } from '../../domain/records.js';
import { CONSOLE_SEGMENT, CONTROL_SEGMENT, firstPathSegment, isControlPath } from '../surface.js';
import type { UsageMeter } from '../usage-meter.js';
import { decorateUsage, type CallLimiter } from '../call-limits.js';
import { NO_LIMITS } from '../../domain/rate-limits.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set once the `/{version}` segment is resolved. */
    graphVersion: string | undefined;
    /** Set once the caller's token is resolved. */
    graphBusiness: BusinessRecord | undefined;
    /** The edge the router found (`join_requests`, `group` for the node itself), set with the version. */
    graphEdge: string | undefined;
    /** The method the call is served as, once a `method=` override is read. */
    graphMethod: string | undefined;
  }
}

const STATIC_HEADERS = {
  'cache-control': 'private, no-cache, no-store, must-revalidate',
  pragma: 'no-cache',
  expires: 'Sat, 01 Jan 2000 00:00:00 GMT',
  'access-control-allow-origin': '*',
  'x-fb-rev': '1019562318',
};

/** The headers every response carries; also used where Fastify's hooks do not run (router errors). */
export function setGraphHeaders(request: FastifyRequest, reply: FastifyReply): void {
  reply.headers(STATIC_HEADERS);
  reply.header('x-fb-trace-id', request.id);
  reply.header('x-fb-request-id', 'A' + newTraceId() + newTraceId());
  const surface = firstPathSegment(request.url);
  if (surface !== CONTROL_SEGMENT && surface !== CONSOLE_SEGMENT) {
    reply.header('facebook-api-version', request.graphVersion ?? LATEST_API_VERSION);
  }
}

export function registerGraphHeaders(
  app: FastifyInstance,
  meter: UsageMeter,
  clock: () => number,
  limiter: CallLimiter,
): void {
  app.decorateRequest('graphVersion', undefined);
  app.decorateRequest('graphBusiness', undefined);
  decorateUsage(app);
  app.decorateRequest('graphEdge', undefined);
  app.decorateRequest('graphMethod', undefined);
  // Graph answers browsers from any origin. A CORS preflight carries no token, so it is answered before routing
  // reaches authentication; otherwise a browser app could never send its Authorization header.
  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'OPTIONS' || request.headers['access-control-request-method'] === undefined)
      return;
    // The control API also takes PUT (state, limits, the clock, conditions, settings); Graph takes these three.
    return reply
      .code(204)
      .header(
        'access-control-allow-methods',
        isControlPath(request.url) ? 'GET, POST, PUT, DELETE' : 'GET, POST, DELETE',
      )
      .header(
        'access-control-allow-headers',
        request.headers['access-control-request-headers'] ?? 'authorization, content-type',
      )
      .header('access-control-max-age', '86400')
      .send();
  });
  app.addHook('onSend', async (request, reply) => {
    setGraphHeaders(request, reply);
    const business = request.graphBusiness;
    if (business !== undefined) {
      // A call counted against the business's own budgets carries their usage (server/call-limits); one of a
      // business with budgets that no window counted, the windows as they stand.
      let usage = request.graphUsage;
      if (usage === undefined && business.limits !== NO_LIMITS) {
        // The figures are a courtesy: a store that cannot answer now must not turn the answer into an error.
        usage = await limiter.usageOf(business, clock()).catch(() => undefined);
      }
      reply.header('x-business-use-case-usage', usage?.business ?? meter.record(business.wabaId, clock()));
      if (usage?.app !== undefined) reply.header('x-app-usage', usage.app);
    }
  });
}
