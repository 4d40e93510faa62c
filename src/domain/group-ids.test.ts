import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GRAPH_ERRORS } from './error-catalog.js';
import { missingGroupError, phoneDigitsOfGroupId } from './group-ids.js';
import { groupIdFor } from './ids.js';

describe('group ids', () => {
  const own = groupIdFor('15550101234', '120363404694233820');
  it("reads the phone digits back from a minted id, and from the docs' example", () => {
    assert.equal(phoneDigitsOfGroupId(own), '15550101234');
    assert.equal(
      phoneDigitsOfGroupId('Y2FwaV9ncm91cDoxNzA1NTU1MDEzOToxMjAzNjM0MDQ2OTQyMzM4MjAZD'),
      '17055550139',
    );
  });
  const cases: { name: string; id: string; expected: typeof GRAPH_ERRORS.GROUP_UNKNOWN }[] = [
    { name: "131041 for an id of the caller's own number", id: own, expected: GRAPH_ERRORS.GROUP_UNKNOWN },
    {
      name: "100/33 for another number's id",
      id: groupIdFor('15550109999', '120363404694233820'),
      expected: GRAPH_ERRORS.OBJECT_NOT_FOUND,
    },
    { name: '100/33 for an id with trailing bytes', id: `${own}x`, expected: GRAPH_ERRORS.OBJECT_NOT_FOUND },
    { name: '100/33 for anything else', id: 'nonsense', expected: GRAPH_ERRORS.OBJECT_NOT_FOUND },
  ];
  for (const { name, id, expected } of cases) {
    it(name, () => assert.equal(missingGroupError(id, '15550101234'), expected));
  }
});
