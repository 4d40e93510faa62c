/**
 * @module server/graph/edge-router — mounts one Graph path for every HTTP method, so that the rules Graph applies
 * to all of them live in one place: version resolution, the `method=` override on POST, "Unsupported <method>
 * request" for the rest, and authentication before any handler runs. It is also the one seam for behaviour every
 * call passes through: the call stages (fault injection, then the limits of server/call-limits) run here, between
 * a call's `check` and its `apply`, never by hand in a handler. The request journal, which must also record the
 * calls refused before any route (an unknown path) or stage (a bad token, a bad input), is an app-level onResponse
 * hook (server/journal), not a stage; the router only names the edge and the method served for it.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GRAPH_ERRORS } from '../../domain/error-catalog.js';
import type { Store } from '../../storage/store.js';
import { GraphError, invalidParameter } from '../graph-error.js';
import { authenticate, type Caller } from './authenticate.js';
import { etagMatches, etagOf, shapeAnswer } from './output-options.js';
import { mergeParams, type GraphParams } from './params.js';
import { defaultVersionOf, resolveVersion } from './versions.js';
import { CONSOLE_SEGMENT, CONTROL_SEGMENT, firstPathSegment } from '../surface.js';

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

/** A method that changes nothing (or refuses at once): it runs straight after authentication. */
export type EdgeHandler = (context: GraphContext) => Promise<GraphReply>;

/** The budgets a call can be counted against. Meta's 131208 counts a phone number's group operations. */
export type CallLimit = 'group_operations';

/**
 * A method that changes state, split where the call stages run: a call refused by `check` (unknown node, bad
 * input) is never counted against a limit nor reaches an injected fault, and one refused by a stage changes nothing.
 */
export interface EdgeOperation<Checked> {
  /** The budget each checked call is counted against before it is applied. */
  readonly limit?: CallLimit;
  /** Finds the node and checks the input; changes nothing. Its result is handed to `apply`. */
  readonly check: (context: GraphContext) => Promise<Checked>;
  /** Makes the change, and commits it, before the reply is built. */
  readonly apply: (context: GraphContext, checked: Checked) => Promise<GraphReply>;
}

/** An operation with what its `check` found kept opaque, so that one edge can hold operations of several kinds. */
export interface EdgeMethod {
  readonly limit: CallLimit | undefined;
  readonly check: ((context: GraphContext) => Promise<unknown>) | undefined;
  readonly apply: (context: GraphContext, checked: unknown) => Promise<GraphReply>;
}

/** Declares a state-changing method: `check`, then the call stages, then `apply`. */
export function operation<Checked>(definition: EdgeOperation<Checked>): EdgeMethod {
  return {
    limit: definition.limit,
    check: definition.check,
    apply: (context, checked) => definition.apply(context, checked as Checked),
  };
}

export interface EdgeDefinition {
  /** The edge name after the node (`join_requests`), or undefined for the node itself. */
  edge?: string;
  handlers: Partial<Record<GraphMethod, EdgeHandler | EdgeMethod>>;
}

/** One method of one edge as the router serves it, fixed when the edge is registered. */
export interface EdgeRoute {
  /** The edge name, or undefined for the node itself. */
  readonly edge: string | undefined;
  readonly method: GraphMethod;
  readonly limit: CallLimit | undefined;
}

/**
 * Behaviour every Graph call passes through, at one seam instead of in each handler. A stage is asked once per
 * route, at registration, whether it applies there; a route no stage applies to runs exactly as if there were no
 * stages. The fault and limit stages apply to every route (rules and limits are set at run time), and each returns
 * at once, without a promise, while it has nothing to do. The stages run in the order given, after authentication
 * and the route's `check`, before its `apply`.
 */
export interface CallStage {
  /** Says what the stage is, for a reader of `EdgeDependencies.stages`. */
  readonly name: string;
  appliesTo(route: EdgeRoute): boolean;
  /**
   * Lets the call through by returning (undefined: no await is paid), refuses it by throwing a GraphError (a limit
   * used up), or holds it by returning a promise.
   */
  beforeApply(route: EdgeRoute, context: GraphContext): void | Promise<void>;
  /** After the change is committed, before the reply is sent: where a reply can be lost after the fact. */
  afterApply?(route: EdgeRoute, context: GraphContext, reply: GraphReply): void | Promise<void>;
}

export interface EdgeDependencies {
  store: Store;
  /** Unix seconds, the time Graph calls see (context.now). */
  clock: () => number;
  /** Unix milliseconds on the virtual clock: webhook events are stamped with it (their retry window counts from it). */
  clockMs: () => number;
  /** In the order they run; empty when nothing cross-cutting is configured. */
  stages: readonly CallStage[];
  /**
   * `/{version}` itself, Graph's root node, where batch requests are posted. It has the shape of an unversioned
   * node path, so the node route hands it over rather than reading the version as a node id.
   */
  versionRoot?: (request: FastifyRequest, reply: FastifyReply, version: string) => Promise<unknown>;
}

interface ServedRoute extends EdgeRoute {
  readonly check: EdgeMethod['check'];
  readonly apply: EdgeMethod['apply'];
  readonly before: readonly CallStage[];
  readonly after: readonly CallStage[];
}

function serveRoute(
  edge: string | undefined,
  method: GraphMethod,
  handler: EdgeHandler | EdgeMethod,
  stages: readonly CallStage[],
): ServedRoute {
  const served: EdgeMethod =
    typeof handler === 'function' ? { limit: undefined, check: undefined, apply: handler } : handler;
  const route: EdgeRoute = { edge, method, limit: served.limit };
  const applying = stages.filter((stage) => stage.appliesTo(route));
  return {
    ...route,
    check: served.check,
    apply: served.apply,
    before: applying,
    after: applying.filter((stage) => stage.afterApply !== undefined),
  };
}

const ALL_METHODS = ['GET', 'HEAD', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS'] as const;
const OVERRIDABLE = new Set<string>(['GET', 'POST', 'DELETE']);

/**
 * What Graph calls "Unknown path components": everything after the segment it took for the node id. With a valid
 * version that is the segment after it; without one, Graph reads the first segment itself as the node.
 */
export function unknownPathError(urlPath: string, now: number): GraphError {
  const segments = urlPath.split('?')[0]?.split('/').filter(Boolean) ?? [];
  const nodeIndex = segments[0] !== undefined && resolveVersion(segments[0], now) !== undefined ? 1 : 0;
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
  const routes: Partial<Record<GraphMethod, ServedRoute>> = {};
  for (const method of ['GET', 'POST', 'DELETE'] as const) {
    const handler = definition.handlers[method];
    if (handler !== undefined) routes[method] = serveRoute(definition.edge, method, handler, deps.stages);
  }
  // As the journal and the fault rules name it: the node itself is `group`.
  const edgeName = definition.edge ?? 'group';
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const { version: segment, node } = request.params as { version?: string; node: string };
    const now = deps.clock();
    let version: string | undefined;
    if (segment !== undefined) {
      version = resolveVersion(segment, now);
      // Not a version: the not-found handler decides (a control-API path, or Graph's unknown path components).
      if (version === undefined) return reply.callNotFound();
      request.graphVersion = version;
    } else {
      // An unversioned path; the bare root, the control API and the console keep their own answers.
      const surface = firstPathSegment(request.url);
      if (node === '' || surface === CONTROL_SEGMENT || surface === CONSOLE_SEGMENT)
        return reply.callNotFound();
      const root = definition.edge === undefined ? resolveVersion(node, now) : undefined;
      if (root !== undefined && deps.versionRoot !== undefined) return deps.versionRoot(request, reply, root);
    }
    request.graphEdge = edgeName;
    const params = mergeParams(request);
    const method = effectiveMethod(request, params);
    request.graphMethod = method;
    const route = routes[(method === 'HEAD' ? 'GET' : method) as GraphMethod];
    const caller = await authenticate(request, params, deps.store, now);
    request.graphBusiness = caller.business;
    if (version === undefined) {
      version = defaultVersionOf(caller.business, now);
      request.graphVersion = version;
    }
    if (route === undefined) {
      throw new GraphError(GRAPH_ERRORS.UNSUPPORTED_METHOD, { params: { method: method.toLowerCase() } });
    }
    const context: GraphContext = { request, version, nodeId: node, params, caller, now };
    const checked = route.check === undefined ? undefined : await route.check(context);
    for (let i = 0; i < route.before.length; i++) {
      const held = route.before[i]?.beforeApply(route, context);
      if (held !== undefined) await held;
    }
    const result = await route.apply(context, checked);
    for (let i = 0; i < route.after.length; i++) {
      const held = route.after[i]?.afterApply?.(route, context, result);
      if (held !== undefined) await held;
    }
    const answer = shapeAnswer({ status: result.status ?? 200, body: result.body }, params);
    if (method !== 'POST' && method !== 'DELETE' && answer.status === 200) {
      // A read: Graph tags it, and answers 304 without a body to a client that already holds it.
      const etag = etagOf(answer.body);
      reply.header('etag', etag);
      const held = request.headers['if-none-match'];
      if (held !== undefined && etagMatches(held, etag)) return reply.code(304).send();
    }
    return reply
      .code(answer.status)
      .header('content-type', 'application/json; charset=UTF-8')
      .send(answer.body);
  };
  const path = definition.edge === undefined ? ':node' : `:node/${definition.edge}`;
  // Versioned, and unversioned as Graph serves it (the app's default version); HEAD is served by the GET
  // handler, so Fastify must not add its own.
  for (const url of [`/:version/${path}`, `/${path}`]) {
    app.route({ method: [...ALL_METHODS], url, exposeHeadRoute: false, handler });
  }
}
