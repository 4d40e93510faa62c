/**
 * @module server/graph/edge-router — mounts one Graph path for every HTTP method, so that the rules Graph applies
 * to all of them live in one place: version resolution, the `method=` override on POST, "Unsupported <method>
 * request" for the rest, and authentication before any handler runs.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GRAPH_ERRORS } from '../../domain/error-catalog.js';
import type { Store } from '../../storage/store.js';
import { GraphError, invalidParameter } from '../graph-error.js';
import type { GroupRateLimiter } from '../group-rate-limit.js';
import { authenticate, type Caller } from './authenticate.js';
import { mergeParams, type GraphParams } from './params.js';
import { resolveVersion } from './versions.js';

export type GraphMethod = 'GET' | 'POST' | 'DELETE';

export interface GraphContext {
  request: FastifyRequest;
  /** The version the call is served as. */
  version: string;
  /** The node segment of the path: a group id or a phone number id. */
  nodeId: string;
  params: GraphParams;
  caller: Caller;
  /** Unix seconds, read once per call. */
  now: number;
}

/** A handler's answer, already serialised: the hot paths use precompiled serialisers. */
export interface GraphReply {
  status?: number;
  body: string;
}

export type EdgeHandler = (context: GraphContext) => Promise<GraphReply>;

export interface EdgeDefinition {
  /** The edge name after the node (`join_requests`), or undefined for the node itself. */
  edge?: string;
  handlers: Partial<Record<GraphMethod, EdgeHandler>>;
}

export interface EdgeDependencies {
  store: Store;
  clock: () => number;
  rateLimiter: GroupRateLimiter;
}

const ALL_METHODS = ['GET', 'HEAD', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS'] as const;
const OVERRIDABLE = new Set<string>(['GET', 'POST', 'DELETE']);

/**
 * What Graph calls "Unknown path components": everything after the segment it took for the node id. With a valid
 * version that is the segment after it; without one, Graph reads the first segment itself as the node.
 */
export function unknownPathError(urlPath: string): GraphError {
  const segments = urlPath.split('?')[0]?.split('/').filter(Boolean) ?? [];
  const nodeIndex = segments[0] !== undefined && resolveVersion(segments[0]) !== undefined ? 1 : 0;
  const rest = segments.slice(nodeIndex + 1);
  return new GraphError(GRAPH_ERRORS.UNKNOWN_PATH, { params: { path: '/' + rest.join('/') } });
}

function effectiveMethod(request: FastifyRequest, params: GraphParams): string {
  if (request.method !== 'POST' || params['method'] === undefined) return request.method;
  const override = params['method'];
  if (typeof override !== 'string' || !OVERRIDABLE.has(override.toUpperCase())) {
    throw invalidParameter('Param method must be one of {GET, POST, DELETE}');
  }
  return override.toUpperCase();
}

export function registerEdge(app: FastifyInstance, deps: EdgeDependencies, definition: EdgeDefinition): void {
  const url = definition.edge === undefined ? '/:version/:node' : `/:version/:node/${definition.edge}`;
  app.route({
    method: [...ALL_METHODS],
    url,
    // HEAD is served by the GET handler below; Fastify must not add its own.
    exposeHeadRoute: false,
    handler: async (request: FastifyRequest, reply: FastifyReply) => {
      const { version: segment, node } = request.params as { version: string; node: string };
      const version = resolveVersion(segment);
      // Not a version: the not-found handler decides (a control-API path, or Graph's unknown path components).
      if (version === undefined) return reply.callNotFound();
      request.graphVersion = version;
      const params = mergeParams(request);
      const method = effectiveMethod(request, params);
      const handler = definition.handlers[(method === 'HEAD' ? 'GET' : method) as GraphMethod];
      const now = deps.clock();
      const caller = await authenticate(request, params, deps.store, now);
      request.graphBusiness = caller.business;
      if (handler === undefined) {
        throw new GraphError(GRAPH_ERRORS.UNSUPPORTED_METHOD, { params: { method: method.toLowerCase() } });
      }
      const result = await handler({ request, version, nodeId: node, params, caller, now });
      return reply
        .code(result.status ?? 200)
        .header('content-type', 'application/json; charset=UTF-8')
        .send(result.body);
    },
  });
}
