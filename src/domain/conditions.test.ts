import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_CONDITIONS,
  armedFailureError,
  decisionStatus,
  groupsEdgeRefusal,
  planSettingsUpdate,
  type BusinessConditions,
} from './conditions.js';
import type { DecisionOutcome } from './records.js';

const conditions = (c: Partial<BusinessConditions>): BusinessConditions => ({ ...DEFAULT_CONDITIONS, ...c });

describe('groupsEdgeRefusal', () => {
  const cases: { name: string; c: Partial<BusinessConditions>; op: 'create' | 'list'; code?: number }[] = [
    { name: 'serves a business in the default state', c: {}, op: 'create' },
    {
      name: 'refuses every call of a number not eligible (131215)',
      c: { eligibleForGroups: false },
      op: 'list',
      code: 131215,
    },
    {
      name: 'refuses creation while disabled (131214)',
      c: { groupCreationDisabled: true },
      op: 'create',
      code: 131214,
    },
    { name: 'still lists while creation is disabled', c: { groupCreationDisabled: true }, op: 'list' },
    {
      name: 'says not eligible before creation disabled',
      c: { eligibleForGroups: false, groupCreationDisabled: true },
      op: 'create',
      code: 131215,
    },
  ];
  for (const { name, c, op, code } of cases) {
    it(name, () => assert.equal(groupsEdgeRefusal(conditions(c), op)?.code, code));
  }
});

describe('planSettingsUpdate', () => {
  const change = { subject: 'S', description: 'D', photo: { sha256: 'ab' } };
  it('applies everything when nothing is armed', () => {
    assert.deepEqual(planSettingsUpdate(change, undefined), { apply: change, failed: [] });
  });
  it('fails every field the call changes when the failure names none', () => {
    const plan = planSettingsUpdate({ subject: 'S' }, { operation: 'group_settings_update', code: 131000 });
    assert.deepEqual(plan, { apply: {}, failed: ['subject'] });
  });
  it('fails only the fields named, and only those the call changes', () => {
    const plan = planSettingsUpdate(
      { subject: 'S', description: 'D' },
      { operation: 'group_settings_update', code: 131000, fields: ['description', 'profile_picture'] },
    );
    assert.deepEqual(plan, { apply: { subject: 'S' }, failed: ['description'] });
  });
});

describe('decisionStatus', () => {
  const ok: DecisionOutcome = {
    joinRequestId: 'A',
    result: 'decided',
    user: { waId: '1', userId: 'US.1', phoneHidden: false },
  };
  const ko: DecisionOutcome = { joinRequestId: 'B', result: 'not_pending' };
  const cases: { name: string; outcomes: DecisionOutcome[]; status: 200 | 206; expected: 200 | 206 }[] = [
    { name: 'keeps 200 by default on partial success', outcomes: [ok, ko], status: 200, expected: 200 },
    { name: 'answers 206 on partial success when asked', outcomes: [ok, ko], status: 206, expected: 206 },
    { name: 'keeps 200 when everything succeeded', outcomes: [ok], status: 206, expected: 200 },
    { name: 'keeps 200 when everything failed', outcomes: [ko], status: 206, expected: 200 },
  ];
  for (const { name, outcomes, status, expected } of cases) {
    it(name, () => assert.equal(decisionStatus(outcomes, { partialSuccessStatus: status }), expected));
  }
});

describe('armedFailureError', () => {
  it("reports the armed code with the catalog's title and message, in webhook key order", () => {
    const error = armedFailureError({ operation: 'group_delete', code: 131207 }, 'why');
    assert.deepEqual(error, {
      code: 131207,
      title: 'Group suspended',
      message: '(#131207) Group suspended',
      error_data: { details: 'why' },
    });
    assert.deepEqual(Object.keys(error), ['code', 'title', 'message', 'error_data']);
  });
  it('falls back to 131000 for a code the catalog does not hold', () => {
    assert.equal(armedFailureError({ operation: 'group_delete', code: 131999 }, 'why').code, 131000);
  });
});
