/**
 * The edge router's call stages: the one seam cross-cutting behaviour (the group rate limit today, fault injection
 * next) plugs into. A stage sees only calls that authenticated and passed their `check`, runs before `apply`, and
 * costs nothing on a route it does not apply to.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { GRAPH_ERRORS } from '../../domain/error-catalog.js';
import { openSqliteStore } from '../../storage/sqlite/sqlite-store.js';
import type { Store } from '../../storage/store.js';
import { createBusinessWithToken } from '../control/sandbox.js';
import { GraphError, invalidParameter } from '../graph-error.js';
import { registerErrorHandler } from '../plugins/error-handler.js';
import { operation, registerEdge, type CallStage, type EdgeRoute } from './edge-router.js';

let store: Store;
let app: FastifyInstance;
let token: string;
let log: string[];
let asked: EdgeRoute[];

function recorder(name: string, options: { refuse?: boolean; onlyLimited?: boolean } = {}): CallStage {
  return {
    name,
    appliesTo: (route) => {
      asked.push(route);
      return options.onlyLimited !== true || route.limit === 'group_operations';
    },
    beforeApply: async (route, context) => {
      log.push(`${name} before ${route.method} ${route.edge} ${context.nodeId}`);
      if (options.refuse === true) throw new GraphError(GRAPH_ERRORS.GROUP_RATE_LIMIT);
    },
    afterApply: (_route, _context, reply) => {
      log.push(`${name} after ${reply.body}`);
    },
  };
}

async function start(stages: CallStage[]): Promise<void> {
  app = Fastify();
  registerErrorHandler(app, 1024 * 1024, () => 1_790_000_000);
  registerEdge(
    app,
    { store, clock: () => 1_790_000_000, clockMs: () => 1_790_000_000_000, stages },
    {
      edge: 'probe',
      handlers: {
        GET: async () => {
          log.push('read');
          return { body: '{"read":true}' };
        },
        POST: operation({
          limit: 'group_operations',
          check: async (context) => {
            log.push('check');
            if (context.params['bad'] !== undefined) throw invalidParameter('Param bad is bad');
            return { node: context.nodeId };
          },
          apply: async (_context, checked) => {
            log.push(`apply ${checked.node}`);
            return { body: '{"applied":true}' };
          },
        }),
      },
    },
  );
  await app.ready();
}

async function call(method: 'GET' | 'POST', query = '', auth = true) {
  return app.inject({
    method,
    url: `/v23.0/node1/probe${query}`,
    headers: auth ? { authorization: `Bearer ${token}` } : {},
  });
}

beforeEach(async () => {
  store = openSqliteStore({ path: ':memory:' });
  token = (await createBusinessWithToken(store, 'Stages', 1_000)).accessToken;
  log = [];
  asked = [];
});
afterEach(async () => {
  await app.close();
  await store.close();
});

describe('call stages', () => {
  it('run in order between check and apply, and after the change is applied', async () => {
    await start([recorder('first'), recorder('second')]);
    const res = await call('POST');
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(log, [
      'check',
      'first before POST probe node1',
      'second before POST probe node1',
      'apply node1',
      'first after {"applied":true}',
      'second after {"applied":true}',
    ]);
  });

  it('never see a call refused by authentication or by its check', async () => {
    await start([recorder('stage')]);
    assert.equal((await call('POST', '', false)).statusCode, 401);
    assert.equal((await call('POST', '?bad=1')).statusCode, 400);
    assert.deepEqual(log, ['check']);
  });

  it('refuse a call by throwing, before anything is applied', async () => {
    await start([recorder('limit', { refuse: true })]);
    const res = await call('POST');
    assert.equal(res.statusCode, 429);
    assert.equal(res.json().error.code, 131208);
    assert.deepEqual(log, ['check', 'limit before POST probe node1']);
  });

  it('are asked once per route, at registration, and stay off the routes they decline', async () => {
    await start([recorder('limit', { onlyLimited: true })]);
    assert.deepEqual(
      asked.map((route) => [route.method, route.edge, route.limit]),
      [
        ['GET', 'probe', undefined],
        ['POST', 'probe', 'group_operations'],
      ],
    );
    assert.equal((await call('GET')).statusCode, 200);
    assert.deepEqual(log, ['read']);
  });
});
