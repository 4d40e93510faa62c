/**
 * The fault stage on its own: what it sets on the request for the journal, and that with no rule and no header it
 * lets a call through without a promise (nothing awaited on the hot path).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FastifyRequest } from 'fastify';
import type { BusinessRecord } from '../../domain/records.js';
import { GraphError } from '../graph-error.js';
import type { EdgeRoute, GraphContext } from '../graph/edge-router.js';
import { FaultRegistry } from './fault-registry.js';
import { FaultStage } from './fault-stage.js';

const business = { wabaId: '100', phoneNumberId: '200' } as BusinessRecord;
const route: EdgeRoute = { edge: 'join_requests', method: 'GET', limit: undefined };

function contextWith(headers: Record<string, string> = {}): GraphContext {
  const request = { headers, method: 'GET', raw: { socket: null } } as unknown as FastifyRequest;
  request.groupgateFault = undefined;
  return {
    request,
    version: 'v23.0',
    nodeId: 'GROUP',
    params: {},
    caller: { business, accessToken: 't', tokenSentAs: 'header' },
    now: 1_790_000_000,
  };
}

describe('FaultStage', () => {
  it('lets a call through synchronously when there is no rule and no header', () => {
    const stage = new FaultStage(new FaultRegistry(), { header: true });
    const context = contextWith();
    assert.equal(stage.beforeApply(route, context), undefined);
    assert.equal(context.request.groupgateFault, undefined);
  });

  it('sets request.groupgateFault to the rule and its effect when one fires', () => {
    const registry = new FaultRegistry();
    const rule = registry.add({ match: { group_id: 'GROUP' }, error: { code: 131000 } });
    const stage = new FaultStage(registry, { header: true });
    const context = contextWith();
    assert.throws(
      () => stage.beforeApply(route, context),
      (error: unknown) =>
        error instanceof GraphError && error.template.code === 131000 && error.status === 500,
    );
    assert.deepEqual(context.request.groupgateFault, {
      ruleId: rule.id,
      effect: { error: { code: 131000 } },
    });
    const elsewhere = contextWith();
    assert.equal(
      stage.beforeApply({ ...route, edge: 'groups' }, elsewhere),
      undefined,
      'no group on /groups',
    );
    assert.equal(elsewhere.request.groupgateFault, undefined);
  });

  it('names the header as the rule when the header asked, and ignores the header when told to', () => {
    const withHeader = contextWith({ 'x-groupgate-fault': 'error=2' });
    assert.throws(() => new FaultStage(new FaultRegistry(), { header: true }).beforeApply(route, withHeader));
    assert.deepEqual(withHeader.request.groupgateFault, { ruleId: 'header', effect: { error: { code: 2 } } });
    const ignored = contextWith({ 'x-groupgate-fault': 'error=2' });
    assert.equal(
      new FaultStage(new FaultRegistry(), { header: false }).beforeApply(route, ignored),
      undefined,
    );
    assert.equal(ignored.request.groupgateFault, undefined);
  });
});
