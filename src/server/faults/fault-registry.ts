/**
 * @module server/faults/fault-registry — the fault rules of this instance, in memory: the control API adds and
 * removes them, the Graph call stage and the webhook dispatcher ask them. Not in the store: on PostgreSQL each
 * instance holds the rules posted to it (docs/decisions.md). Rules are tried in the order they were added; the
 * first that fires decides, and the rules after it do not see the call.
 */
import { randomInt } from 'node:crypto';
import type { FaultRule } from '@groupgate/sdk/contract';
import {
  FaultRuleState,
  effectOf,
  matchesGraphCall,
  matchesWebhookEvent,
  readFaultRule,
  type FaultEffect,
  type FaultRuleSpec,
  type GraphCallFacts,
  type WebhookEventFacts,
} from '../../domain/faults.js';

/** A rule that fired, as the request decoration and the delivery log report it. */
export interface FiredFault {
  /** The rule's id, or `header` for an `X-Groupgate-Fault` header. */
  readonly ruleId: string;
  readonly effect: FaultEffect;
}

interface HeldRule {
  readonly id: string;
  readonly spec: FaultRuleSpec;
  readonly effect: FaultEffect;
  readonly state: FaultRuleState;
  readonly createdAt: number;
}

export class FaultRegistry {
  #graph: HeldRule[] = [];
  #webhook: HeldRule[] = [];
  #next = 1;

  /** Whether any Graph rule exists: the one check a call pays when there is none. */
  get graphRuleCount(): number {
    return this.#graph.length;
  }

  get webhookRuleCount(): number {
    return this.#webhook.length;
  }

  /** Checks and adds a rule; throws FaultRuleProblem naming the bad field. */
  add(body: unknown): FaultRule {
    const spec = readFaultRule(body, () => randomInt(0, 2 ** 32 - 1));
    const rule: HeldRule = {
      id: `fault_${this.#next++}`,
      spec,
      effect: effectOf(spec),
      state: new FaultRuleState(spec),
      createdAt: Date.now(),
    };
    // Replaced, not pushed: a decision in progress keeps iterating the list it started with.
    if (spec.on === 'graph') this.#graph = [...this.#graph, rule];
    else this.#webhook = [...this.#webhook, rule];
    return render(rule);
  }

  list(): FaultRule[] {
    return [...this.#graph, ...this.#webhook]
      .sort((a, b) => Number(a.id.slice(6)) - Number(b.id.slice(6)))
      .map(render);
  }

  /** False when there is no such rule. */
  remove(id: string): boolean {
    const graph = this.#graph.filter((rule) => rule.id !== id);
    const webhook = this.#webhook.filter((rule) => rule.id !== id);
    const removed = graph.length !== this.#graph.length || webhook.length !== this.#webhook.length;
    this.#graph = graph;
    this.#webhook = webhook;
    return removed;
  }

  clear(): void {
    this.#graph = [];
    this.#webhook = [];
  }

  decideGraphCall(call: GraphCallFacts): FiredFault | undefined {
    for (const rule of this.#graph) {
      if (matchesGraphCall(rule.spec.match, call) && rule.state.fires()) {
        return { ruleId: rule.id, effect: rule.effect };
      }
    }
    return undefined;
  }

  decideWebhookEvent(event: WebhookEventFacts): FiredFault | undefined {
    for (const rule of this.#webhook) {
      if (matchesWebhookEvent(rule.spec.match, event) && rule.state.fires()) {
        return { ruleId: rule.id, effect: rule.effect };
      }
    }
    return undefined;
  }
}

function render(rule: HeldRule): FaultRule {
  const { spec } = rule;
  return {
    id: rule.id,
    on: spec.on,
    match: spec.match,
    effect: {
      ...(spec.error !== undefined && { error: spec.error }),
      ...(spec.delay_ms !== undefined && { delay_ms: spec.delay_ms }),
      ...(spec.network !== undefined && { network: spec.network }),
      ...(spec.webhook !== undefined && { webhook: spec.webhook }),
    },
    times: spec.times,
    after: spec.after,
    probability: spec.probability,
    seed: spec.seed,
    matched: rule.state.matched,
    hits: rule.state.hits,
    created_at: rule.createdAt,
  };
}
