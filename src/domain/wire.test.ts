import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupSummary, joinRequestJson, participantItem } from './wire.js';
import type { GroupRecord } from './records.js';

describe('wire', () => {
  it("writes a join request as Meta lists it, in Meta's key order", () => {
    assert.equal(
      joinRequestJson('MTY1MDU1NTAwMDE6MTIz', '16505550001', 1_790_000_000),
      '{"join_request_id":"MTY1MDU1NTAwMDE6MTIz","wa_id":"16505550001","creation_timestamp":1790000000}',
    );
  });

  it('writes a group summary with its creation time as a string, and a participant as its wa_id', () => {
    const group = { groupId: 'Y2FwaV9ncm91cA', subject: 'Team', createdAt: 1_790_000_000 } as GroupRecord;
    assert.deepEqual(groupSummary(group), {
      id: 'Y2FwaV9ncm91cA',
      subject: 'Team',
      created_at: '1790000000',
    });
    assert.deepEqual(participantItem('16505550001'), { wa_id: '16505550001' });
  });
});
