import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fbBase64Decode, fbBase64Encode } from './fb-base64.js';
import { decodeCursor, encodeCursor } from './cursors.js';
import { groupIdFor, joinRequestIdFor } from './ids.js';

describe("Facebook's escaped base64", () => {
  it("reproduces the ids and cursor in Meta's docs", () => {
    assert.equal(
      groupIdFor('17055550139', '120363404694233820'),
      'Y2FwaV9ncm91cDoxNzA1NTU1MDEzOToxMjAzNjM0MDQ2OTQyMzM4MjAZD',
    );
    assert.equal(
      joinRequestIdFor('16467043595', '120363404694233820'),
      'MTY0NjcwNDM1OTU6MTIwMzYzNDA0Njk0MjMzODIw',
    );
    assert.equal(
      fbBase64Decode('eyJvZAmZAzZAXQiOjAsInZAlcnNpb25JZACI6IjE3NTU1NTM3MDUxNzUwNTQ1MTAifQZDZD'),
      '{"offset":0,"versionId":"1755553705175054510"}',
    );
  });

  it('round-trips any text, and refuses what is not escaped base64', () => {
    for (const text of ['', 'Z', 'ZZ=', '{"k":1}', 'ünïcødé', 'a'.repeat(100)]) {
      if (text === '') continue;
      assert.equal(fbBase64Decode(fbBase64Encode(text)), text);
    }
    for (const bad of ['', 'abc', 'ZZ', 'Zq', 'a=b', 'YQ==', 'Y!Q', 'x'.repeat(5000)]) {
      assert.equal(fbBase64Decode(bad), undefined, bad);
    }
  });
});

describe('cursors', () => {
  it('decode only for the edge and node they were issued for', () => {
    const cursor = encodeCursor('join_requests', '120363000000000001', 42);
    assert.equal(decodeCursor(cursor, 'join_requests', '120363000000000001'), 42);
    assert.equal(decodeCursor(cursor, 'join_requests', '120363000000000002'), undefined);
    assert.equal(decodeCursor(cursor, 'groups', '120363000000000001'), undefined);
  });

  it('refuse well-formed base64 that does not hold a valid key', () => {
    for (const payload of [
      'null',
      '[]',
      '{"edge":"groups","node":"n","key":-1}',
      '{"edge":"groups","node":"n","key":1.5}',
      'not json',
    ]) {
      assert.equal(decodeCursor(fbBase64Encode(payload), 'groups', 'n'), undefined, payload);
    }
  });
});
