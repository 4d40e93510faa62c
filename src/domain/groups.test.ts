import assert from 'node:assert/strict';
import { it } from 'node:test';
import { mayCreateGroup } from './groups.js';

it("allows a new group only below the phone number's limit of active groups (Meta's 131211)", () => {
  const cases: [active: number, max: number, allowed: boolean][] = [
    [0, 10_000, true],
    [9_999, 10_000, true],
    [10_000, 10_000, false],
    [3, 1, false],
    [0, 1, true],
  ];
  for (const [active, max, allowed] of cases) {
    assert.equal(mayCreateGroup(active, max), allowed, `${active} active of ${max}`);
  }
});
