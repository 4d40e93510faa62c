import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupSummary, joinRequestJson, participantItem } from './wire.js';
import type { GroupRecord } from './records.js';
import type { UserIdentity } from './users.js';

const ANA: UserIdentity = { waId: '16505550001', userId: 'US.13491208655302741918', phoneHidden: false };

describe('wire', () => {
  it("writes a join request as Meta lists it, in Meta's key order, with the user's BSUID", () => {
    assert.equal(
      joinRequestJson('MTY1MDU1NTAwMDE6MTIz', ANA, 1_790_000_000),
      '{"join_request_id":"MTY1MDU1NTAwMDE6MTIz","wa_id":"16505550001","user_id":"US.13491208655302741918","creation_timestamp":1790000000}',
    );
  });

  it('leaves wa_id out for a user who hides their number, and adds username and parent_user_id when set', () => {
    const hidden: UserIdentity = { ...ANA, phoneHidden: true, username: 'ana', parentUserId: 'US.ENT.1' };
    assert.equal(
      joinRequestJson('MTY1', hidden, 1_790_000_000),
      '{"join_request_id":"MTY1","user_id":"US.13491208655302741918","username":"ana","parent_user_id":"US.ENT.1","creation_timestamp":1790000000}',
    );
    assert.deepEqual(participantItem(hidden), {
      user_id: 'US.13491208655302741918',
      username: 'ana',
      parent_user_id: 'US.ENT.1',
    });
  });

  it('writes a group summary with its creation time as a string, and a participant as wa_id and user_id', () => {
    const group = { groupId: 'Y2FwaV9ncm91cA', subject: 'Team', createdAt: 1_790_000_000 } as GroupRecord;
    assert.deepEqual(groupSummary(group), {
      id: 'Y2FwaV9ncm91cA',
      subject: 'Team',
      created_at: '1790000000',
    });
    assert.deepEqual(participantItem(ANA), { wa_id: '16505550001', user_id: 'US.13491208655302741918' });
  });
});
