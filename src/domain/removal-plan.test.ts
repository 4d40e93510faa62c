import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GRAPH_ERRORS } from './error-catalog.js';
import { planRemoval, removalRefusal, type RemovalFacts, type RemovalPlan } from './removal-plan.js';

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

describe('removalRefusal', () => {
  const cases: { name: string; asked: string[]; count: number; code: number | undefined; waId?: string }[] = [
    {
      name: 'lets distinct users through a group with participants',
      asked: ['1', '2'],
      count: 1,
      code: undefined,
    },
    {
      name: 'refuses a user named twice (131202)',
      asked: ['1', '2', '1'],
      count: 3,
      code: 131202,
      waId: '1',
    },
    { name: 'refuses a group of the business alone (131020)', asked: ['1'], count: 0, code: 131020 },
    {
      name: 'names the duplicate before the empty group',
      asked: ['1', '1'],
      count: 0,
      code: 131202,
      waId: '1',
    },
  ];
  for (const { name, asked, count, code, waId } of cases) {
    it(name, () => {
      const refusal = removalRefusal(asked, count);
      assert.equal(refusal?.template.code, code);
      assert.equal(refusal?.waId, waId);
    });
  }
  it('uses the catalog', () => assert.equal(removalRefusal(['1'], 0)?.template, GRAPH_ERRORS.BAD_GROUP));
});
