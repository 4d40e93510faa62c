import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lookupKeys, planRemoval, type RemovalFacts, type RemovalPlan } from './removal-plan.js';
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
