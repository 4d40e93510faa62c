/**
 * @module storage/store.case — the behaviour every Store backend must have, as one suite each backend runs with
 * its own `open` (see sqlite/sqlite-store.test.ts). Not a test file itself: it only defines tests when called.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { mintBusiness } from '../domain/businesses.js';
import { mintGroup } from '../domain/groups.js';
import { joinRequestIdFor } from '../domain/ids.js';
import type { JoinRequest } from '@groupgate/sdk/contract';
import { StoreConflictError, type Store } from './store.js';
import type { BusinessRecord, GroupRecord, KeysetQuery } from '../domain/records.js';
import { userIdentity, type UserIdentity, type UserOptions } from '../domain/users.js';

export interface StoreContractOptions {
  name: string;
  /** A fresh, empty, migrated store. */
  open: () => Promise<Store>;
  skip?: string | false;
}

const NOW = 1_790_000_000;
/** Most tests look at state, not webhooks: their changes queue no events. */
const NO_EVENTS = () => [];
const CAP = { now: NOW, maxParticipants: 8 };

export function runStoreContract({ name, open, skip }: StoreContractOptions): void {
  describe(`Store contract: ${name}`, { skip: skip ?? false }, () => {
    let store: Store;
    let business: BusinessRecord;

    beforeEach(async () => {
      store = await open();
      business = await store.createBusiness(mintBusiness('Acme', NOW));
    });
    afterEach(() => store.close());

    async function newGroup(
      mode: 'approval_required' | 'auto_approve' = 'approval_required',
    ): Promise<GroupRecord> {
      const created = await store.createGroup(
        mintGroup(business, { subject: 'G', description: '', joinApprovalMode: mode }, NOW),
        10_000,
        NO_EVENTS,
      );
      assert.notEqual(created, 'limit_reached');
      return created as GroupRecord;
    }

    /** A page with its rendered items parsed back into Meta's shape. */
    async function pending(group: GroupRecord, query: KeysetQuery = { limit: 100 }) {
      const page = await store.listPendingJoinRequests(group.pk, query);
      const items = JSON.parse(`[${page.itemsJson}]`) as JoinRequest[];
      assert.equal(items.length, page.count);
      return { ...page, items, ids: items.map((r) => r.join_request_id) };
    }

    /** The user with this number, as the suite's business sees them. */
    const userOf = (waId: string, options: UserOptions = {}): UserIdentity =>
      userIdentity(business.wabaId, waId, options);
    const numbers = (users: UserIdentity[]) => users.map((user) => user.waId);

    async function ask(
      group: GroupRecord,
      waId: string,
      now = NOW,
      options: UserOptions = {},
    ): Promise<string> {
      const outcome = await store.requestToJoin(
        group,
        {
          user: userOf(waId, options),
          joinRequestId: joinRequestIdFor(waId, group.groupNumber),
          now,
          maxParticipants: 8,
        },
        NO_EVENTS,
      );
      assert.equal(outcome.status, 'requested');
      return (outcome as { joinRequestId: string }).joinRequestId;
    }

    describe('businesses and tokens', () => {
      it('finds a business by phone number id, WABA id and name', async () => {
        assert.deepEqual(await store.findBusinessByPhoneNumberId(business.phoneNumberId), business);
        assert.deepEqual(await store.findBusinessByWabaId(business.wabaId), business);
        assert.deepEqual(await store.findBusinessByName('Acme'), business);
        assert.equal(await store.findBusinessByWabaId('nope'), undefined);
      });

      it('sees a revocation after the token was read', async () => {
        await store.createAccessToken({
          token: 't1',
          businessPk: business.pk,
          createdAt: NOW,
          expiresAt: null,
        });
        assert.equal((await store.findAccessToken('t1'))?.revokedAt, null);
        await store.revokeAccessToken('t1', NOW + 1);
        assert.equal((await store.findAccessToken('t1'))?.revokedAt, NOW + 1);
        await store.reset();
        assert.equal(await store.findAccessToken('t1'), undefined);
      });

      it('refuses a second business with the same ids as a StoreConflictError', async () => {
        await assert.rejects(
          store.createBusiness({ ...mintBusiness('B', NOW), wabaId: business.wabaId }),
          StoreConflictError,
        );
      });

      it('resolves, expires and revokes tokens', async () => {
        await store.createAccessToken({
          token: 't1',
          businessPk: business.pk,
          createdAt: NOW,
          expiresAt: NOW + 5,
        });
        assert.deepEqual(await store.findAccessToken('t1'), {
          business,
          expiresAt: NOW + 5,
          revokedAt: null,
        });
        assert.equal(await store.revokeAccessToken('t1', NOW + 1), true);
        assert.equal(await store.revokeAccessToken('t1', NOW + 2), false, 'revoking twice changes nothing');
        assert.equal((await store.findAccessToken('t1'))?.revokedAt, NOW + 1);
        assert.equal(await store.findAccessToken('t2'), undefined);
        await assert.rejects(
          store.createAccessToken({ token: 't1', businessPk: business.pk, createdAt: NOW, expiresAt: null }),
          StoreConflictError,
        );
      });
    });

    describe('groups', () => {
      it('creates, finds by id and by invite code, and lists newest first with keyset pages', async () => {
        const groups = [];
        for (let i = 0; i < 5; i++) groups.push(await newGroup());
        assert.deepEqual(await store.findGroupById(groups[0]?.groupId ?? ''), groups[0]);
        assert.deepEqual(await store.findGroupByInviteCode(groups[1]?.inviteCode ?? ''), groups[1]);
        const first = await store.listGroups(business.pk, { limit: 2 });
        assert.deepEqual(
          first.items.map((g) => g.pk),
          [groups[4]?.pk, groups[3]?.pk],
        );
        assert.deepEqual([first.hasPrevious, first.hasNext], [false, true]);
        const second = await store.listGroups(business.pk, { limit: 2, after: groups[3]?.pk ?? 0 });
        assert.deepEqual(
          second.items.map((g) => g.pk),
          [groups[2]?.pk, groups[1]?.pk],
        );
        assert.deepEqual([second.hasPrevious, second.hasNext], [true, true]);
        const back = await store.listGroups(business.pk, { limit: 2, before: groups[2]?.pk ?? 0 });
        assert.deepEqual(
          back.items.map((g) => g.pk),
          [groups[4]?.pk, groups[3]?.pk],
        );
        assert.deepEqual([back.hasPrevious, back.hasNext], [false, true]);
      });

      it('sees participant counts change after the group was read', async () => {
        const group = await newGroup();
        const id = await ask(group, '16505550001');
        assert.equal((await store.findGroupById(group.groupId))?.participantCount, 0);
        await store.decideJoinRequests(group.pk, [id], 'approve', CAP, NO_EVENTS);
        assert.equal((await store.findGroupById(group.groupId))?.participantCount, 1);
        const open = await newGroup('auto_approve');
        assert.equal((await store.findGroupById(open.groupId))?.participantCount, 0);
        await store.requestToJoin(
          open,
          {
            user: userOf('16505550002'),
            joinRequestId: 'x',
            now: NOW,
            maxParticipants: 8,
          },
          NO_EVENTS,
        );
        assert.equal((await store.findGroupById(open.groupId))?.participantCount, 1);
      });

      it('stops creating at the per-number limit', async () => {
        const settings = { subject: 'G', description: '', joinApprovalMode: 'auto_approve' as const };
        assert.notEqual(
          await store.createGroup(mintGroup(business, settings, NOW), 2, NO_EVENTS),
          'limit_reached',
        );
        assert.notEqual(
          await store.createGroup(mintGroup(business, settings, NOW), 2, NO_EVENTS),
          'limit_reached',
        );
        assert.equal(
          await store.createGroup(mintGroup(business, settings, NOW), 2, NO_EVENTS),
          'limit_reached',
        );
      });

      it('refuses a duplicate group id as a StoreConflictError', async () => {
        const group = await newGroup();
        const copy = {
          ...mintGroup(business, { subject: 'G', description: '', joinApprovalMode: 'auto_approve' }, NOW),
        };
        await assert.rejects(
          store.createGroup({ ...copy, groupId: group.groupId }, 10, NO_EVENTS),
          StoreConflictError,
        );
      });
    });

    describe('joining', () => {
      it('makes a pending request on approval groups, returning the same one while pending', async () => {
        const group = await newGroup();
        const id = await ask(group, '16505550001');
        assert.deepEqual(
          await store.requestToJoin(
            group,
            {
              user: userOf('16505550001'),
              joinRequestId: id,
              now: NOW + 9,
              maxParticipants: 8,
            },
            NO_EVENTS,
          ),
          { status: 'requested', joinRequestId: id, created: false },
        );
        const page = await pending(group);
        assert.equal(
          page.itemsJson,
          JSON.stringify({
            join_request_id: id,
            wa_id: '16505550001',
            user_id: userOf('16505550001').userId,
            creation_timestamp: NOW,
          }),
        );
      });

      it('adds users directly on auto-approve groups, up to the cap', async () => {
        const group = await newGroup('auto_approve');
        const join = (waId: string) =>
          store.requestToJoin(
            group,
            { user: userOf(waId), joinRequestId: 'x', now: NOW, maxParticipants: 2 },
            NO_EVENTS,
          );
        assert.deepEqual(await join('16505550001'), { status: 'joined' });
        assert.deepEqual(await join('16505550001'), { status: 'already_participant' });
        assert.deepEqual(await join('16505550002'), { status: 'joined' });
        assert.deepEqual(await join('16505550003'), { status: 'group_full' });
        assert.deepEqual(await store.listParticipants(group.pk), [
          userOf('16505550001'),
          userOf('16505550002'),
        ]);
        assert.equal((await store.findGroupById(group.groupId))?.participantCount, 2);
      });

      it('lets a user withdraw a pending request, once', async () => {
        const group = await newGroup();
        const id = await ask(group, '16505550001');
        assert.deepEqual(await store.cancelJoinRequest(group.pk, id, NOW, NO_EVENTS), {
          joinRequestId: id,
          user: userOf('16505550001'),
        });
        assert.equal(await store.cancelJoinRequest(group.pk, id, NOW, NO_EVENTS), undefined);
        assert.deepEqual((await pending(group)).items, []);
      });
    });

    describe('pending join request pages', () => {
      it('pages forward and backward by key, oldest first', async () => {
        const group = await newGroup();
        const ids: string[] = [];
        for (let i = 0; i < 5; i++) ids.push(await ask(group, `1650555000${i}`));
        const first = await pending(group, { limit: 2 });
        assert.deepEqual(first.ids, ids.slice(0, 2));
        assert.deepEqual([first.hasPrevious, first.hasNext], [false, true]);
        const middle = await pending(group, { limit: 2, after: first.lastKey });
        assert.deepEqual([middle.hasPrevious, middle.hasNext], [true, true]);
        const end = await pending(group, { limit: 2, after: middle.lastKey });
        assert.deepEqual(end.ids, ids.slice(4));
        assert.deepEqual([end.hasPrevious, end.hasNext], [true, false]);
        const back = await pending(group, { limit: 3, before: end.firstKey });
        assert.deepEqual(back.ids, ids.slice(1, 4));
        assert.deepEqual([back.hasPrevious, back.hasNext], [true, true]);
        const past = await pending(group, { limit: 2, after: end.lastKey });
        assert.deepEqual([past.count, past.itemsJson, past.hasNext], [0, '', false]);
      });

      it('reads a group with a page of its requests, only for the business that owns it', async () => {
        const group = await newGroup();
        const ids: string[] = [];
        for (let i = 0; i < 3; i++) ids.push(await ask(group, `1650555100${i}`));
        const found = await store.listPendingJoinRequestsOfGroup(group.groupId, business.pk, { limit: 2 });
        assert.deepEqual(found?.group, group);
        const items = JSON.parse(`[${found?.page.itemsJson ?? ''}]`) as JoinRequest[];
        assert.deepEqual(
          items.map((r) => r.join_request_id),
          ids.slice(0, 2),
        );
        assert.deepEqual([found?.page.hasPrevious, found?.page.hasNext], [false, true]);
        const rest = await store.listPendingJoinRequestsOfGroup(group.groupId, business.pk, {
          limit: 2,
          after: found?.page.lastKey ?? 0,
        });
        assert.equal(rest?.page.count, 1);
        const other = await store.createBusiness(mintBusiness('Other', NOW));
        assert.equal(
          await store.listPendingJoinRequestsOfGroup(group.groupId, other.pk, { limit: 2 }),
          undefined,
        );
        assert.equal(
          await store.listPendingJoinRequestsOfGroup('nope', business.pk, { limit: 2 }),
          undefined,
        );
        const empty = await newGroup();
        assert.equal(
          (await store.listPendingJoinRequestsOfGroup(empty.groupId, business.pk, { limit: 2 }))?.page.count,
          0,
        );
      });

      it('keeps each group to its own requests', async () => {
        const [a, b] = [await newGroup(), await newGroup()];
        await ask(a, '16505550001');
        const idB = await ask(b, '16505550001');
        assert.deepEqual((await pending(b)).ids, [idB]);
      });
    });

    describe('deciding', () => {
      it('approves and rejects once, reporting everything else as not pending', async () => {
        const group = await newGroup();
        const [a, b] = [await ask(group, '16505550001'), await ask(group, '16505550002')];
        assert.deepEqual(await store.decideJoinRequests(group.pk, [a, 'nope'], 'approve', CAP, NO_EVENTS), [
          { joinRequestId: a, result: 'decided', user: userOf('16505550001') },
          { joinRequestId: 'nope', result: 'not_pending' },
        ]);
        assert.deepEqual(await store.decideJoinRequests(group.pk, [a, b], 'reject', CAP, NO_EVENTS), [
          { joinRequestId: a, result: 'not_pending' },
          { joinRequestId: b, result: 'decided', user: userOf('16505550002') },
        ]);
        assert.deepEqual(numbers(await store.listParticipants(group.pk)), ['16505550001']);
      });

      it('fails approvals beyond the cap and leaves them pending', async () => {
        const group = await newGroup();
        const ids: string[] = [];
        for (let i = 0; i < 3; i++) ids.push(await ask(group, `1650555000${i}`));
        const outcomes = await store.decideJoinRequests(
          group.pk,
          ids,
          'approve',
          {
            now: NOW,
            maxParticipants: 2,
          },
          NO_EVENTS,
        );
        assert.deepEqual(
          outcomes.map((o) => o.result),
          ['decided', 'decided', 'group_full'],
        );
        assert.deepEqual((await pending(group)).ids, [ids[2]]);
      });

      it('decides each request exactly once when many calls race', async () => {
        const group = await newGroup();
        const ids: string[] = [];
        for (let i = 0; i < 40; i++) ids.push(await ask(group, `165055510${String(i).padStart(2, '0')}`));
        const calls = Array.from({ length: 30 }, (_, i) =>
          store.decideJoinRequests(
            group.pk,
            ids.filter((_, j) => (j + i) % 3 !== 0),
            i % 2 === 0 ? 'approve' : 'reject',
            { now: NOW, maxParticipants: 1000 },
            NO_EVENTS,
          ),
        );
        const results = await Promise.all(calls);
        const winners = new Map<string, number>();
        for (const outcomes of results) {
          for (const o of outcomes)
            if (o.result === 'decided') winners.set(o.joinRequestId, (winners.get(o.joinRequestId) ?? 0) + 1);
        }
        assert.equal(winners.size, 40);
        assert.ok(
          [...winners.values()].every((n) => n === 1),
          'every id decided by exactly one call',
        );
        const participants = await store.listParticipants(group.pk);
        assert.equal((await store.findGroupById(group.groupId))?.participantCount, participants.length);
      });
    });

    describe('business-scoped user ids', () => {
      const HIDDEN = { hidePhoneNumber: true, username: 'ana.banana', parentUserId: true as const };

      it('finds a business by its key', async () => {
        assert.deepEqual(await store.findBusinessByPk(business.pk), business);
        assert.equal(await store.findBusinessByPk(business.pk + 1000), undefined);
      });

      it('keeps who asked with the request: its item has user_id, and no wa_id for a hidden number', async () => {
        const group = await newGroup();
        const id = await ask(group, '447700900123', NOW, HIDDEN);
        const ana = userOf('447700900123', HIDDEN);
        assert.match(ana.userId, /^GB\.\d{20}$/);
        assert.deepEqual((await pending(group)).items, [
          {
            join_request_id: id,
            user_id: ana.userId,
            username: 'ana.banana',
            parent_user_id: ana.parentUserId,
            creation_timestamp: NOW,
          },
        ]);
        const [outcome] = await store.decideJoinRequests(group.pk, [id], 'approve', CAP, NO_EVENTS);
        assert.deepEqual(outcome, { joinRequestId: id, result: 'decided', user: ana });
        assert.deepEqual(await store.listParticipants(group.pk), [ana]);
      });

      it('finds the number behind a pending request by BSUID, and nothing once it is no longer pending', async () => {
        const group = await newGroup();
        const ana = userOf('447700900123', HIDDEN);
        const id = await ask(group, ana.waId, NOW, HIDDEN);
        assert.equal(await store.findPendingRequester(group.pk, ana.userId), ana.waId);
        assert.equal(await store.findPendingRequester(group.pk, userOf('16505550001').userId), undefined);
        await store.cancelJoinRequest(group.pk, id, NOW, NO_EVENTS);
        assert.equal(await store.findPendingRequester(group.pk, ana.userId), undefined);
      });

      it('removes a participant named by BSUID or by number, and bans their number', async () => {
        const group = await newGroup();
        const ana = userOf('16505550001', HIDDEN);
        const bob = userOf('16505550002');
        for (const waId of ['16505550001', '16505550002']) {
          const id = await ask(group, waId, NOW, waId === ana.waId ? HIDDEN : {});
          await store.decideJoinRequests(group.pk, [id], 'approve', CAP, NO_EVENTS);
        }
        const byBsuid = { input: ana.userId, userId: ana.userId };
        const unknown = { input: 'US.1', userId: 'US.1' };
        const byNumber = { input: '+1 650-555-0002', waId: bob.waId };
        const outcomes = await store.removeParticipants(
          group.pk,
          [byBsuid, unknown, byNumber],
          { now: NOW, ban: true },
          NO_EVENTS,
        );
        assert.deepEqual(outcomes, [
          { ref: byBsuid, result: 'removed', user: ana },
          { ref: unknown, result: 'not_participant' },
          { ref: byNumber, result: 'removed', user: bob },
        ]);
        assert.deepEqual(await store.listParticipants(group.pk), []);
        assert.equal((await store.findGroupById(group.groupId))?.participantCount, 0);
        const again = await store.requestToJoin(
          group,
          { user: ana, joinRequestId: 'again', now: NOW, maxParticipants: 8 },
          NO_EVENTS,
        );
        assert.deepEqual(again, { status: 'removed' });
      });

      it('a participant who joined an auto-approve group is found by BSUID too', async () => {
        const group = await newGroup('auto_approve');
        const ana = userOf('5511987654321', { username: 'ana' });
        await store.requestToJoin(
          group,
          { user: ana, joinRequestId: 'x', now: NOW, maxParticipants: 8 },
          NO_EVENTS,
        );
        assert.deepEqual(await store.listParticipants(group.pk), [ana]);
        const ref = { input: ana.userId, userId: ana.userId };
        assert.deepEqual(
          await store.removeParticipants(group.pk, [ref], { now: NOW, ban: false }, NO_EVENTS),
          [{ ref, result: 'removed', user: ana }],
        );
      });
    });

    it('reset empties everything', async () => {
      const group = await newGroup();
      await ask(group, '16505550001');
      await store.reset();
      assert.equal(await store.findBusinessByWabaId(business.wabaId), undefined);
      assert.equal(await store.findGroupById(group.groupId), undefined);
      assert.deepEqual((await pending(group)).items, []);
    });
  });
}
