import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planDecision, type DecisionFacts, type PendingRequest } from './decision-plan.js';
import type { DecisionOutcome } from './records.js';

const NOW = 1_790_000_000;

const a: PendingRequest = {
  key: 1,
  joinRequestId: 'A',
  waId: '16505550001',
  userJson: '{"wa_id":"16505550001","user_id":"US.1"}',
  createdAt: NOW - 3,
};
const b: PendingRequest = {
  key: 2,
  joinRequestId: 'B',
  waId: '16505550002',
  userJson: '{"wa_id":"16505550002","user_id":"US.2"}',
  createdAt: NOW - 2,
};
const c: PendingRequest = {
  key: 3,
  joinRequestId: 'C',
  waId: '16505550003',
  userJson: '{"wa_id":"16505550003","user_id":"US.3"}',
  createdAt: NOW - 1,
};

const decided = (r: PendingRequest): DecisionOutcome => ({
  joinRequestId: r.joinRequestId,
  result: 'decided',
  user: { waId: r.waId, userId: `US.${r.waId.slice(-1)}`, phoneHidden: false },
});
const notPending = (joinRequestId: string): DecisionOutcome => ({ joinRequestId, result: 'not_pending' });
const groupFull = (joinRequestId: string): DecisionOutcome => ({ joinRequestId, result: 'group_full' });

const cases: {
  name: string;
  facts: Omit<DecisionFacts, 'maxParticipants' | 'now'> & { maxParticipants?: number };
  outcomes: DecisionOutcome[];
  decided: PendingRequest[];
}[] = [
  {
    name: 'approves every pending request while the group has room',
    facts: { decision: 'approve', ids: ['A', 'B'], pending: [b, a], participantCount: 0 },
    outcomes: [decided(a), decided(b)],
    decided: [a, b],
  },
  {
    name: 'fails an id that is not pending (131213) and decides the rest',
    facts: { decision: 'approve', ids: ['X', 'A'], pending: [a], participantCount: 0 },
    outcomes: [notPending('X'), decided(a)],
    decided: [a],
  },
  {
    name: 'approves in request order up to the cap; the rest stay pending (131204)',
    facts: {
      decision: 'approve',
      ids: ['C', 'A', 'B'],
      pending: [a, b, c],
      participantCount: 8,
      maxParticipants: 10,
    },
    outcomes: [decided(c), decided(a), groupFull('B')],
    decided: [c, a],
  },
  {
    name: 'approves nothing in a full group',
    facts: { decision: 'approve', ids: ['A'], pending: [a], participantCount: 10, maxParticipants: 10 },
    outcomes: [groupFull('A')],
    decided: [],
  },
  {
    name: 'an id not pending in a full group is not pending, not over the cap',
    facts: { decision: 'approve', ids: ['X'], pending: [], participantCount: 10, maxParticipants: 10 },
    outcomes: [notPending('X')],
    decided: [],
  },
  {
    name: 'rejects whatever the cap: rejecting adds nobody',
    facts: {
      decision: 'reject',
      ids: ['A', 'B'],
      pending: [a, b],
      participantCount: 10,
      maxParticipants: 10,
    },
    outcomes: [decided(a), decided(b)],
    decided: [a, b],
  },
  {
    name: 'fails an approval of a user who has not accepted the terms (131203); the request stays pending',
    facts: {
      decision: 'approve',
      ids: ['A', 'B'],
      pending: [a, b],
      participantCount: 0,
      termsNotAccepted: new Set([a.waId]),
    },
    outcomes: [{ joinRequestId: 'A', result: 'terms_not_accepted', waId: a.waId }, decided(b)],
    decided: [b],
  },
  {
    name: 'rejects a user who has not accepted the terms: rejecting adds nobody',
    facts: {
      decision: 'reject',
      ids: ['A'],
      pending: [a],
      participantCount: 0,
      termsNotAccepted: new Set([a.waId]),
    },
    outcomes: [decided(a)],
    decided: [a],
  },
  {
    name: 'decides nothing when nothing asked is pending',
    facts: { decision: 'reject', ids: ['X', 'Y'], pending: [], participantCount: 0 },
    outcomes: [notPending('X'), notPending('Y')],
    decided: [],
  },
];

describe('planDecision', () => {
  for (const { name, facts, outcomes, decided: expected } of cases) {
    it(name, () => {
      const plan = planDecision({ now: NOW, maxParticipants: 1024, ...facts });
      assert.deepEqual(plan.outcomes, outcomes);
      assert.deepEqual(plan.decided, expected);
    });
  }
});
