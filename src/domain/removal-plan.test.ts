import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planRemoval, type RemovalFacts, type RemovalPlan } from './removal-plan.js';

const cases: { name: string; facts: RemovalFacts; plan: RemovalPlan }[] = [
  {
    name: 'removes participants and reports the others as not participants, in request order',
    facts: { asked: ['2', '1'], participants: new Set(['1']), options: { ban: false } },
    plan: {
      outcomes: [
        { waId: '2', result: 'not_participant' },
        { waId: '1', result: 'removed' },
      ],
      remove: ['1'],
      ban: [],
    },
  },
  {
    name: 'handles a user asked twice once',
    facts: { asked: ['1', '1', '2', '1'], participants: new Set(['1', '2']), options: { ban: false } },
    plan: {
      outcomes: [
        { waId: '1', result: 'removed' },
        { waId: '2', result: 'removed' },
      ],
      remove: ['1', '2'],
      ban: [],
    },
  },
  {
    name: "a business's removal bans every user asked, participant or not",
    facts: { asked: ['1', '3', '3'], participants: new Set(['1']), options: { ban: true } },
    plan: {
      outcomes: [
        { waId: '1', result: 'removed' },
        { waId: '3', result: 'not_participant' },
      ],
      remove: ['1'],
      ban: ['1', '3'],
    },
  },
];

describe('planRemoval', () => {
  for (const { name, facts, plan } of cases) {
    it(name, () => assert.deepEqual(planRemoval(facts), plan));
  }
});
