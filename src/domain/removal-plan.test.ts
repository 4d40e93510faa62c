import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GRAPH_ERRORS } from './error-catalog.js';
import {
  lookupKeys,
  planRemoval,
  removalRefusal,
  type RemovalFacts,
  type RemovalPlan,
} from './removal-plan.js';
import type { UserIdentity, UserRef } from './users.js';

const user = (waId: string): UserIdentity => ({ waId, userId: `US.${waId}`, phoneHidden: false });
const byNumber = (waId: string): UserRef => ({ input: waId, waId });
const byBsuid = (userId: string): UserRef => ({ input: userId, userId });

const cases: { name: string; facts: RemovalFacts; plan: RemovalPlan }[] = [
  {
    name: 'removes participants and reports the others as not participants, in request order',
    facts: { asked: [byNumber('2'), byNumber('1')], participants: [user('1')], options: { ban: false } },
    plan: {
      outcomes: [
        { ref: byNumber('2'), result: 'not_participant' },
        { ref: byNumber('1'), result: 'removed', user: user('1') },
      ],
      remove: ['1'],
      ban: [],
    },
  },
  {
    name: 'handles a user asked twice the same way once',
    facts: {
      asked: [byNumber('1'), byNumber('1'), byNumber('2'), byNumber('1')],
      participants: [user('1'), user('2')],
      options: { ban: false },
    },
    plan: {
      outcomes: [
        { ref: byNumber('1'), result: 'removed', user: user('1') },
        { ref: byNumber('2'), result: 'removed', user: user('2') },
      ],
      remove: ['1', '2'],
      ban: [],
    },
  },
  {
    name: "a business's removal bans every user asked, participant or not",
    facts: {
      asked: [byNumber('1'), byNumber('3'), byNumber('3')],
      participants: [user('1')],
      options: { ban: true },
    },
    plan: {
      outcomes: [
        { ref: byNumber('1'), result: 'removed', user: user('1') },
        { ref: byNumber('3'), result: 'not_participant' },
      ],
      remove: ['1'],
      ban: ['1', '3'],
    },
  },
  {
    name: 'finds a participant by BSUID, and bans their number; an unknown BSUID fails and bans nobody',
    facts: {
      asked: [byBsuid('US.1'), byBsuid('US.9')],
      participants: [user('1')],
      options: { ban: true },
    },
    plan: {
      outcomes: [
        { ref: byBsuid('US.1'), result: 'removed', user: user('1') },
        { ref: byBsuid('US.9'), result: 'not_participant' },
      ],
      remove: ['1'],
      ban: ['1'],
    },
  },
  {
    name: 'a user named by number and by BSUID is removed once and reported for each name',
    facts: { asked: [byNumber('1'), byBsuid('US.1')], participants: [user('1')], options: { ban: true } },
    plan: {
      outcomes: [
        { ref: byNumber('1'), result: 'removed', user: user('1') },
        { ref: byBsuid('US.1'), result: 'removed', user: user('1') },
      ],
      remove: ['1'],
      ban: ['1'],
    },
  },
];

describe('planRemoval', () => {
  for (const { name, facts, plan } of cases) {
    it(name, () => assert.deepEqual(planRemoval(facts), plan));
  }
  it('looks participants up by the numbers and BSUIDs named, each once', () => {
    assert.deepEqual(lookupKeys([byNumber('1'), byBsuid('US.2'), byNumber('1')]), {
      waIds: ['1'],
      userIds: ['US.2'],
    });
  });
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
