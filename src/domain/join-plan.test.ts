import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planJoin, type JoinFacts, type JoinPlan } from './join-plan.js';

const approval = { joinApprovalMode: 'approval_required' } as const;
const auto = { joinApprovalMode: 'auto_approve' } as const;
const input = { joinRequestId: 'R1', maxParticipants: 10 };
const nobody = { isParticipant: false, isRemoved: false, isPending: false, participantCount: 0 };

const cases: { name: string; facts: JoinFacts; plan: JoinPlan }[] = [
  {
    name: 'a participant stays one, whatever the mode',
    facts: { group: approval, input, ...nobody, isParticipant: true, isRemoved: true },
    plan: { outcome: { status: 'already_participant' }, write: 'none' },
  },
  {
    name: 'a user the business removed cannot come back through the link',
    facts: { group: auto, input, ...nobody, isRemoved: true },
    plan: { outcome: { status: 'removed' }, write: 'none' },
  },
  {
    name: 'an approval_required group gets a new pending request',
    facts: { group: approval, input, ...nobody, participantCount: 10 },
    plan: { outcome: { status: 'requested', joinRequestId: 'R1', created: true }, write: 'request' },
  },
  {
    name: 'asking again finds the same pending request',
    facts: { group: approval, input, ...nobody, isPending: true },
    plan: { outcome: { status: 'requested', joinRequestId: 'R1', created: false }, write: 'none' },
  },
  {
    name: 'an auto_approve group admits the user while it has room',
    facts: { group: auto, input, ...nobody, participantCount: 9 },
    plan: { outcome: { status: 'joined' }, write: 'participant' },
  },
  {
    name: 'a full auto_approve group turns the user away',
    facts: { group: auto, input, ...nobody, participantCount: 10 },
    plan: { outcome: { status: 'group_full' }, write: 'none' },
  },
];

describe('planJoin', () => {
  for (const { name, facts, plan } of cases) {
    it(name, () => assert.deepEqual(planJoin(facts), plan));
  }
});
