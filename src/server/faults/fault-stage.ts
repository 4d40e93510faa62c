/**
 * @module server/faults/fault-stage — fault injection for Graph calls, a call stage of the edge router: it stands on
 * every Graph route (reads too), after authentication and the route's `check`, so a call refused by `check` (an
 * unknown group, a bad input) never reaches a fault. With no rule and no `X-Groupgate-Fault` header a call pays one
 * length check and one header lookup. When a fault fires, `request.groupgateFault` says which rule and what it did,
 * for the request journal (a call whose connection was cut never finishes its response, so `onResponse` hooks do not
 * see it: its response's 'close' event does).
 *
 * Effects: an error (thrown as a GraphError, rendered by the error handler); a delay (then the call runs); a reset
 * (the socket is destroyed with an RST, before the call runs); a hang (no answer until the client gives up, the
 * server's socket timeout cuts it, or the server closes); drop_reply (the call runs and commits, then the
 * connection is cut before the answer).
 */
import type { FaultError } from '@groupgate/sdk/contract';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isBatchedOperation } from '../graph/batch/batched-operation.js';
import { faultTemplate, type ErrorTemplate } from '../../domain/error-catalog.js';
import { fbBase64Decode } from '../../domain/fb-base64.js';
import {
  FAULT_HEADER,
  FaultRuleProblem,
  readFaultHeader,
  type FaultEffect,
  type GraphCallFacts,
} from '../../domain/faults.js';
import { GraphError, invalidParameter } from '../graph-error.js';
import { graphDate } from '../graph/authenticate.js';
import type { CallStage, EdgeRoute, GraphContext, GraphReply } from '../graph/edge-router.js';
import type { FaultRegistry, FiredFault } from './fault-registry.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The fault that fired on this call, if one did: the rule's id (`header` for the header) and its effect. */
    groupgateFault: FiredFault | undefined;
  }
}

/**
 * Thrown where a fault cut the connection: there is no one to answer. The error handler sends nothing for it.
 */
export class ConnectionCut extends Error {
  override readonly name = 'ConnectionCut';
  constructor(readonly effect: 'reset' | 'hang' | 'drop_reply') {
    super(`the connection was cut by an injected fault (${effect})`);
  }
}

/** The Graph error a fault answers: the catalogue's template for the code, with the rule's overrides. */
export function faultError(error: FaultError, context: GraphContext): GraphError {
  const base = faultTemplate(error.code, error.error_subcode);
  const message = error.message ?? base?.message ?? '';
  const subcode = error.error_subcode ?? base?.subcode;
  const userTitle = error.error_user_title ?? base?.userTitle;
  const userMessage = error.error_user_msg ?? base?.userMessage;
  const isTransient = error.is_transient ?? base?.isTransient;
  const template: ErrorTemplate = {
    status: error.http_status ?? base?.status ?? 500,
    code: error.code,
    ...(subcode !== undefined && { subcode }),
    type: error.type ?? (base?.type === 'GroupgateException' ? undefined : base?.type) ?? 'OAuthException',
    message,
    title: base?.title ?? message,
    ...(isTransient !== undefined && { isTransient }),
    ...(userTitle !== undefined && { userTitle }),
    ...(userMessage !== undefined && { userMessage }),
  };
  const params = {
    expiredAt: graphDate(context.now),
    now: graphDate(context.now),
    method: context.request.method.toLowerCase(),
    id: context.nodeId,
    path: '/',
  };
  // Graph's token errors say what went wrong in WWW-Authenticate too (server/graph/authenticate.ts).
  const headers: Record<string, string> = {};
  if (template.code === 190 || template.code === 104) {
    const scheme = template.code === 104 ? 'invalid_request' : 'invalid_token';
    const text = new GraphError(template, { params }).message.replace(/["\\]/g, '');
    headers['www-authenticate'] = `OAuth "Facebook Platform" "${scheme}" "${text}"`;
  }
  return new GraphError(template, { params, headers });
}

/** The users a call concerns: the join requests it decides (their ids hold the wa_id) and the participants named. */
function waIdsOf(params: Record<string, unknown>): string[] {
  const found: string[] = [];
  const joinRequests = params['join_requests'];
  if (Array.isArray(joinRequests)) {
    for (const id of joinRequests) {
      if (typeof id !== 'string') continue;
      const waId = fbBase64Decode(id)?.split(':')[0];
      if (waId !== undefined) found.push(waId);
    }
  }
  const participants = params['participants'];
  if (Array.isArray(participants)) {
    for (const participant of participants) {
      const user = (participant as { user?: unknown } | null)?.user;
      if (typeof user === 'string') found.push(user.replace(/[\s().+-]/g, ''));
    }
  }
  for (const key of ['wa_id', 'user']) {
    const value = params[key];
    if (typeof value === 'string') found.push(value.replace(/[\s().+-]/g, ''));
  }
  return found;
}

function factsOf(route: EdgeRoute, context: GraphContext): GraphCallFacts {
  const business = context.caller.business;
  let waIds: string[] | undefined;
  return {
    method: route.method,
    edge: route.edge === undefined ? 'group' : (route.edge as GraphCallFacts['edge']),
    groupId: route.edge === 'groups' ? undefined : context.nodeId,
    wabaId: business.wabaId,
    phoneNumberId: business.phoneNumberId,
    waIds: () => (waIds ??= waIdsOf(context.params)),
  };
}

/** Cuts the call's connection: with an RST where Node can send one, so the client sees ECONNRESET. */
export function cutConnection(request: FastifyRequest, reset: boolean): void {
  // A batched operation's socket is not a connection: its batch cuts its own (routes/batch.ts).
  if (isBatchedOperation(request)) return;
  const socket = request.raw.socket as (typeof request.raw.socket & { resetAndDestroy?: () => void }) | null;
  if (socket === null || socket.destroyed) return;
  if (reset && typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket.destroy();
}

export interface FaultStageOptions {
  /** Whether `X-Groupgate-Fault` is read (`serve --no-fault-header` turns it off). */
  header: boolean;
}

export class FaultStage implements CallStage {
  readonly name = 'fault injection';
  readonly #registry: FaultRegistry;
  readonly #header: boolean;
  /** Calls held by a delay or a hang, each with the way to end its hold now (when the server closes). */
  readonly #held = new Set<() => void>();

  constructor(registry: FaultRegistry, options: FaultStageOptions) {
    this.#registry = registry;
    this.#header = options.header;
  }

  /** On every route: rules come and go at run time. */
  appliesTo(): boolean {
    return true;
  }

  beforeApply(route: EdgeRoute, context: GraphContext): void | Promise<void> {
    const header = this.#header ? context.request.headers[FAULT_HEADER] : undefined;
    if (header === undefined && this.#registry.graphRuleCount === 0) return;
    const fired =
      header === undefined ? this.#registry.decideGraphCall(factsOf(route, context)) : fromHeader(header);
    if (fired === undefined) return;
    context.request.groupgateFault = fired;
    const { effect } = fired;
    if (effect.delayMs !== undefined && effect.delayMs > 0) {
      return this.#hold(effect.delayMs, context.request).then(() => this.#act(effect, context));
    }
    return this.#act(effect, context);
  }

  afterApply(_route: EdgeRoute, context: GraphContext, _reply: GraphReply): void {
    if (context.request.groupgateFault?.effect.network !== 'drop_reply') return;
    cutConnection(context.request, false);
    throw new ConnectionCut('drop_reply');
  }

  /** Ends every delay now (the calls run) and every hang (their connections are cut): the server is closing. */
  releaseAll(): void {
    for (const release of [...this.#held]) release();
  }

  #act(effect: FaultEffect, context: GraphContext): void | Promise<void> {
    if (effect.error !== undefined) throw faultError(effect.error, context);
    if (effect.network === 'reset') {
      cutConnection(context.request, true);
      throw new ConnectionCut('reset');
    }
    if (effect.network === 'hang') return this.#hang(context.request);
    return undefined;
  }

  #hold(delayMs: number, request: FastifyRequest): Promise<void> {
    return new Promise((resolve) => {
      const release = () => {
        clearTimeout(timer);
        this.#held.delete(release);
        request.raw.socket?.off('close', release);
        resolve();
      };
      const timer = setTimeout(release, delayMs);
      this.#held.add(release);
      // A client that gives up ends the wait: nothing would read the answer.
      request.raw.socket?.once('close', release);
    });
  }

  /** Never answers: rejects once the connection is gone, so the handler ends with it. */
  #hang(request: FastifyRequest): Promise<void> {
    return new Promise((_resolve, reject) => {
      const socket = request.raw.socket;
      const end = () => {
        this.#held.delete(cut);
        reject(new ConnectionCut('hang'));
      };
      const cut = () => {
        socket?.off('close', end);
        cutConnection(request, false);
        end();
      };
      if (socket === null || socket.destroyed) {
        end();
        return;
      }
      this.#held.add(cut);
      socket.once('close', end);
    });
  }
}

function fromHeader(raw: string | string[]): FiredFault {
  try {
    return { ruleId: 'header', effect: readFaultHeader(Array.isArray(raw) ? raw.join(';') : raw) };
  } catch (error) {
    if (error instanceof FaultRuleProblem) throw invalidParameter(error.message);
    throw error;
  }
}

/**
 * Declares `request.groupgateFault` and makes closing the server end the calls faults hold (a hung call would
 * otherwise keep `close()` waiting for ever).
 */
export function registerFaultStage(app: FastifyInstance, stage: FaultStage): void {
  app.decorateRequest('groupgateFault', undefined);
  app.addHook('preClose', async () => stage.releaseAll());
}

/** Whether an error means a fault cut the connection, and nothing is to be sent. */
export function isConnectionCut(error: unknown): error is ConnectionCut {
  return error instanceof ConnectionCut;
}
