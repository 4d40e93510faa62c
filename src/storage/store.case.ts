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
import { NO_LIMITS, type WindowTake } from '../domain/rate-limits.js';
import type { JournalFilter, NewJournalEntry } from '../domain/journal.js';
import { parentBsuidFor, userIdentity, type UserIdentity, type UserOptions } from '../domain/users.js';

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

    describe('deleting a business', () => {
      /** A business with a token, a group, a participant, a pending and a decided request, settings and events. */
      async function populated(owner: BusinessRecord) {
        const token = `EAAGtoken${owner.wabaId}`;
        await store.createAccessToken({ token, businessPk: owner.pk, createdAt: NOW, expiresAt: null });
        const created = await store.createGroup(
          mintGroup(owner, { subject: 'G', description: '', joinApprovalMode: 'approval_required' }, NOW),
          10_000,
          (g) => [
            {
              businessPk: owner.pk,
              groupPk: g.pk,
              field: 'group_lifecycle_update',
              itemJson: '{}',
              createdAt: NOW,
            },
          ],
        );
        const group = created as GroupRecord;
        const join = (waId: string) =>
          store.requestToJoin(
            group,
            {
              user: userIdentity(owner.wabaId, waId),
              joinRequestId: joinRequestIdFor(waId, group.groupNumber),
              now: NOW,
              maxParticipants: 8,
            },
            NO_EVENTS,
          );
        for (const waId of ['16505550001', '16505550002', '16505550003']) await join(waId);
        await store.decideJoinRequests(
          group.pk,
          ['16505550001', '16505550003'].map((waId) => joinRequestIdFor(waId, group.groupNumber)),
          'approve',
          CAP,
          NO_EVENTS,
        );
        // A removed (banned) user: a row of its own table.
        await store.removeParticipants(
          group.pk,
          [{ input: '16505550003', waId: '16505550003' }],
          { now: NOW, ban: true },
          NO_EVENTS,
        );
        await store.saveWebhookSettings({
          appId: owner.appId,
          callbackUrl: 'https://example.test/hook',
          verifyToken: 'v',
          fields: ['group_lifecycle_update'],
          updatedAt: NOW,
        });
        return { token, group };
      }

      it('removes the business and all it owns, and nothing of another business', async () => {
        const other = await store.createBusiness(mintBusiness('Other', NOW));
        const mine = await populated(business);
        const theirs = await populated(other);
        // Read once so that a backend that caches has the records cached.
        assert.ok(await store.findAccessToken(mine.token));
        assert.ok(await store.findGroupById(mine.group.groupId));

        assert.equal(await store.deleteBusiness(business.wabaId), true);

        assert.equal(await store.findBusinessByWabaId(business.wabaId), undefined);
        assert.equal(await store.findBusinessByAppId(business.appId), undefined);
        assert.equal(await store.findAccessToken(mine.token), undefined);
        assert.equal(await store.findGroupById(mine.group.groupId), undefined);
        assert.equal(await store.findGroupByInviteCode(mine.group.inviteCode), undefined);
        assert.deepEqual(await store.listParticipants(mine.group.pk), []);
        assert.deepEqual((await pending(mine.group)).items, []);
        assert.equal(await store.findWebhookSettings(business.appId), undefined);
        assert.deepEqual(await store.listWebhookEvents({ appId: business.appId, limit: 10 }), []);
        assert.equal((await store.listGroups(business.pk, { limit: 10 })).items.length, 0);

        assert.deepEqual(await store.findBusinessByWabaId(other.wabaId), other);
        assert.equal((await store.findAccessToken(theirs.token))?.business.wabaId, other.wabaId);
        assert.deepEqual(numbers(await store.listParticipants(theirs.group.pk)), ['16505550001']);
        assert.equal((await pending(theirs.group)).items.length, 1);
        assert.ok(await store.findWebhookSettings(other.appId));
        assert.equal((await store.listWebhookEvents({ appId: other.appId, limit: 10 })).length, 1);
      });

      it('answers false for a business that does not exist, or no longer does', async () => {
        assert.equal(await store.deleteBusiness('999999999999999'), false);
        assert.equal(await store.deleteBusiness(business.wabaId), true);
        assert.equal(await store.deleteBusiness(business.wabaId), false);
      });

      it('lets the same ids be used again by a new business', async () => {
        await store.deleteBusiness(business.wabaId);
        const again = await store.createBusiness({ ...mintBusiness('Again', NOW), wabaId: business.wabaId });
        assert.equal((await store.findBusinessByWabaId(business.wabaId))?.pk, again.pk);
      });

      it('lists businesses oldest first, a page at a time', async () => {
        const second = await store.createBusiness(mintBusiness('Second', NOW));
        const third = await store.createBusiness(mintBusiness('Third', NOW));
        assert.deepEqual(
          (await store.listBusinesses({ limit: 10 })).map((b) => b.wabaId),
          [business.wabaId, second.wabaId, third.wabaId],
        );
        const firstPage = await store.listBusinesses({ limit: 2 });
        assert.deepEqual(firstPage, [business, second]);
        assert.deepEqual(await store.listBusinesses({ afterPk: second.pk, limit: 2 }), [third]);
        await store.deleteBusiness(second.wabaId);
        assert.deepEqual(await store.listBusinesses({ limit: 10 }), [business, third]);
      });
    });

    describe('state export and import', () => {
      const HIDDEN: UserOptions = { hidePhoneNumber: true, username: 'ana.b', parentUserId: true };

      async function rich(): Promise<void> {
        const other = await store.createBusiness(mintBusiness('Other', NOW));
        await store.createAccessToken({
          token: 'EAAGone',
          businessPk: business.pk,
          createdAt: NOW,
          expiresAt: null,
        });
        await store.createAccessToken({
          token: 'EAAGtwo',
          businessPk: other.pk,
          createdAt: NOW,
          expiresAt: NOW + 60,
        });
        await store.revokeAccessToken('EAAGtwo', NOW + 1);
        await store.saveWebhookSettings({
          appId: business.appId,
          callbackUrl: 'https://example.test/hook',
          verifyToken: 'v',
          fields: ['group_lifecycle_update'],
          updatedAt: NOW * 1000,
        });
        const first = await newGroup();
        const second = await newGroup('auto_approve');
        const gone = await newGroup();
        await store.deleteGroup(gone.pk, NOW + 5, NO_EVENTS);
        for (const waId of ['16505550001', '16505550002', '16505550003', '16505550004'])
          await ask(first, waId);
        await store.decideJoinRequests(
          first.pk,
          [joinRequestIdFor('16505550001', first.groupNumber)],
          'approve',
          CAP,
          NO_EVENTS,
        );
        await store.decideJoinRequests(
          first.pk,
          [joinRequestIdFor('16505550002', first.groupNumber)],
          'reject',
          CAP,
          NO_EVENTS,
        );
        await store.cancelJoinRequest(
          first.pk,
          joinRequestIdFor('16505550003', first.groupNumber),
          NOW,
          NO_EVENTS,
        );
        await ask(first, '16505550002', NOW + 9); // asks again after the rejection
        await store.removeParticipants(
          first.pk,
          [{ input: '16505550001', waId: '16505550001' }],
          { now: NOW, ban: true },
          NO_EVENTS,
        );
        await store.requestToJoin(
          second,
          {
            user: userOf('16505550009'),
            joinRequestId: joinRequestIdFor('16505550009', second.groupNumber),
            now: NOW,
            maxParticipants: 8,
          },
          NO_EVENTS,
        );
        // Users who hide their number behind a username and carry a parent BSUID: one asking, one a member.
        await ask(first, '16505550005', NOW + 3, HIDDEN);
        await store.requestToJoin(
          second,
          {
            user: userOf('16505550006', { ...HIDDEN, username: 'bo_c', parentUserId: 'US.ENT.77' }),
            joinRequestId: joinRequestIdFor('16505550006', second.groupNumber),
            now: NOW + 1,
            maxParticipants: 8,
          },
          NO_EVENTS,
        );
        await store.setSuspended(second.pk, true, NOW + 2, NO_EVENTS);
        await store.setInviteCode(second.pk, null);
        await store.setBusinessLimits(business.wabaId, {
          group_operations: null,
          waba_calls: { max: 5, perSeconds: 60 },
        });
        await store.setAppSettings(business.appId, {
          requireAppsecretProof: true,
          defaultApiVersion: 'v24.0',
        });
      }

      it('imports an export into a fresh store, which exports the same again', async () => {
        await rich();
        const exported = await store.exportState({});
        assert.ok(exported);
        assert.equal(exported.businesses.length, 2);
        const fresh = await open();
        try {
          await fresh.importState(exported, {});
          assert.deepEqual(await fresh.exportState({}), exported);
          const [mine] = exported.businesses;
          const group = mine?.groups[0];
          assert.ok(group);
          const found = await fresh.findGroupById(group.groupId);
          assert.equal(found?.pk, group.key);
          assert.equal(found?.participantCount, 0);
          assert.deepEqual(
            (await fresh.listPendingJoinRequests(found?.pk ?? 0, { limit: 10 })).itemsJson,
            (await store.listPendingJoinRequests(found?.pk ?? 0, { limit: 10 })).itemsJson,
          );
          assert.equal((await fresh.findAccessToken('EAAGone'))?.business.wabaId, business.wabaId);
          // Limits, app settings and the users' details read back as the original has them.
          const original = (await store.findBusinessByWabaId(business.wabaId)) as BusinessRecord;
          assert.deepEqual(original.limits, {
            group_operations: null,
            waba_calls: { max: 5, perSeconds: 60 },
          });
          assert.equal(original.requireAppsecretProof, true);
          assert.deepEqual(await fresh.findBusinessByWabaId(business.wabaId), original);
          for (const g of exported.businesses.flatMap((b) => b.groups)) {
            const pk = g.key ?? 0;
            assert.deepEqual(await fresh.listParticipants(pk), await store.listParticipants(pk), g.groupId);
            assert.deepEqual(
              (await fresh.listPendingJoinRequests(pk, { limit: 100 })).itemsJson,
              (await store.listPendingJoinRequests(pk, { limit: 100 })).itemsJson,
              g.groupId,
            );
          }
          const second = mine?.groups[1];
          const member = userOf('16505550006', { ...HIDDEN, username: 'bo_c', parentUserId: 'US.ENT.77' });
          assert.deepEqual(
            second?.participants.map((p) => p.user),
            [userOf('16505550009'), member],
          );
          const asking = group.joinRequests.find((r) => r.user.waId === '16505550005');
          assert.deepEqual(asking?.user, userOf('16505550005', HIDDEN));
          const page = await fresh.listPendingJoinRequests(found?.pk ?? 0, { limit: 100 });
          const item = (JSON.parse(`[${page.itemsJson}]`) as JoinRequest[]).find(
            (r) => r.user_id === asking?.user.userId,
          );
          assert.deepEqual(
            [item?.wa_id, item?.username, item?.parent_user_id],
            [undefined, 'ana.b', parentBsuidFor('16505550005')],
          );
          // A removal by BSUID finds the imported member.
          const removed = await fresh.removeParticipants(
            second?.key ?? 0,
            [{ input: member.userId, userId: member.userId }],
            { now: NOW + 20, ban: false },
            NO_EVENTS,
          );
          assert.deepEqual(
            removed.map((r) => r.result),
            ['removed'],
          );
          // New rows continue after the imported ones, as they would have in the original.
          const next = await fresh.createGroup(
            mintGroup(
              (await fresh.findBusinessByWabaId(business.wabaId)) as BusinessRecord,
              {
                subject: 'N',
                description: '',
                joinApprovalMode: 'approval_required',
              },
              NOW,
            ),
            10_000,
            NO_EVENTS,
          );
          assert.equal((next as GroupRecord).pk, exported.nextKeys.group);
        } finally {
          await fresh.close();
        }
      });

      it('exports one business, and replaces just that one on import', async () => {
        await rich();
        const one = await store.exportState({ wabaId: business.wabaId });
        assert.ok(one);
        assert.deepEqual(one.nextKeys, {});
        assert.deepEqual(
          one.businesses.map((b) => b.wabaId),
          [business.wabaId],
        );
        assert.equal(await store.exportState({ wabaId: '1' }), undefined);
        const before = await store.exportState({});
        // Replacing it with itself changes nothing of it, and nothing of the other.
        await store.importState(one, { wabaId: business.wabaId });
        const after = await store.exportState({});
        assert.deepEqual(
          after?.businesses.find((b) => b.wabaId === business.wabaId),
          one.businesses[0],
        );
        assert.deepEqual(
          after?.businesses.find((b) => b.wabaId !== business.wabaId),
          before?.businesses.find((b) => b.wabaId !== business.wabaId),
        );
      });

      it('refuses an import whose ids another business holds, and changes nothing', async () => {
        await rich();
        const one = await store.exportState({ wabaId: business.wabaId });
        assert.ok(one);
        const before = await store.exportState({});
        const clash = structuredClone(one);
        const other = before?.businesses.find((b) => b.wabaId !== business.wabaId);
        (clash.businesses[0] as { appId: string }).appId = other?.appId ?? '';
        await assert.rejects(store.importState(clash, { wabaId: business.wabaId }), StoreConflictError);
        assert.deepEqual(await store.exportState({}), before);
      });
    });

    describe('rate limits', () => {
      const take = (max: number, perSeconds: number, budget: WindowTake['budget'] = 'waba_calls') => ({
        businessPk: business.pk,
        budget,
        scopeId: budget === 'waba_calls' ? business.wabaId : business.phoneNumberId,
        limit: { max, perSeconds },
      });

      it('stores limits on the business, seen through a token lookup read before the change', async () => {
        assert.equal(business.limits, NO_LIMITS);
        await store.createAccessToken({
          token: 't1',
          businessPk: business.pk,
          createdAt: NOW,
          expiresAt: null,
        });
        assert.deepEqual((await store.findAccessToken('t1'))?.business.limits, {});
        const limits = { group_operations: null, waba_calls: { max: 5, perSeconds: 60 } };
        const updated = await store.setBusinessLimits(business.wabaId, limits);
        assert.deepEqual(updated, { ...business, limits });
        assert.deepEqual((await store.findAccessToken('t1'))?.business.limits, limits);
        assert.deepEqual((await store.findBusinessByWabaId(business.wabaId))?.limits, limits);
        assert.equal((await store.setBusinessLimits(business.wabaId, {}))?.limits, NO_LIMITS, 'cleared');
        assert.equal(await store.setBusinessLimits('nope', limits), undefined);
      });

      it('lets max calls through a sliding window, and none while it is full', async () => {
        const window = [take(2, 60)];
        assert.equal((await store.takeFromWindows(window, NOW)).allowed, true);
        const second = await store.takeFromWindows(window, NOW + 30);
        assert.deepEqual(second, {
          allowed: true,
          usages: [{ max: 2, perSeconds: 60, used: 2, regainAt: NOW + 60 }],
        });
        const refused = await store.takeFromWindows(window, NOW + 59);
        assert.equal(refused.allowed, false);
        assert.equal(refused.usages[0]?.used, 2, 'a refused call is not counted');
        assert.equal(
          (await store.takeFromWindows(window, NOW + 59, 0)).usages[0]?.used,
          2,
          'a look counts nothing',
        );
        assert.equal(
          (await store.takeFromWindows(window, NOW + 60)).allowed,
          true,
          'the first call has left',
        );
        assert.equal((await store.takeFromWindows(window, NOW + 60)).allowed, false);
      });

      it('counts a call in every window or in none', async () => {
        const roomy = take(10, 60);
        const tight = take(1, 60, 'group_operations');
        assert.equal((await store.takeFromWindows([roomy, tight], NOW)).allowed, true);
        const refused = await store.takeFromWindows([roomy, tight], NOW);
        assert.deepEqual(refused.allowed === false && refused.refusedBy, 1);
        assert.equal((await store.takeFromWindows([roomy], NOW, 0)).usages[0]?.used, 1);
      });

      it('lets exactly max calls through when many race', async () => {
        const window = [take(7, 60)];
        const results = await Promise.all(
          Array.from({ length: 25 }, (_, i) => store.takeFromWindows(window, NOW + (i % 3))),
        );
        assert.equal(results.filter((r) => r.allowed).length, 7);
        assert.equal((await store.takeFromWindows(window, NOW + 3, 0)).usages[0]?.used, 7);
      });

      it('drops the counts when the limits are set again, and on reset', async () => {
        const window = [take(1, 60)];
        await store.takeFromWindows(window, NOW);
        await store.setBusinessLimits(business.wabaId, { waba_calls: { max: 1, perSeconds: 60 } });
        assert.equal((await store.takeFromWindows(window, NOW)).allowed, true, 'a fresh window');
        await store.reset();
        business = await store.createBusiness({ ...mintBusiness('Acme', NOW), wabaId: business.wabaId });
        assert.equal((await store.takeFromWindows([take(1, 60)], NOW)).allowed, true, 'reset emptied it');
      });
    });

    describe('request journal', () => {
      function entry(overrides: Partial<NewJournalEntry> = {}): NewJournalEntry {
        return {
          time: NOW * 1000,
          method: 'GET',
          httpMethod: 'GET',
          path: '/v23.0/1/join_requests',
          edge: 'join_requests',
          status: 200,
          errorCode: null,
          errorSubcode: null,
          fbtraceId: 'trace',
          durationMs: 1.5,
          wabaId: business.wabaId,
          phoneNumberId: business.phoneNumberId,
          groupId: 'g1',
          faultRuleId: null,
          faultEffect: null,
          requestJson: '{"query":{}}',
          ...overrides,
        };
      }

      it('keeps a batch in order, each field as written, and reads it newest first', async () => {
        const written = [
          entry({ path: '/a', time: NOW * 1000 + 1 }),
          entry({
            path: '/b',
            method: 'DELETE',
            httpMethod: 'POST',
            edge: null,
            status: 401,
            errorCode: 190,
            errorSubcode: 463,
            wabaId: null,
            phoneNumberId: null,
            groupId: null,
            faultRuleId: 'r1',
            faultEffect: 'error',
            durationMs: 0.25,
          }),
        ];
        await store.appendJournalEntries(written, 100);
        const read = await store.listJournalEntries({}, 10);
        assert.deepEqual(
          read.map(({ id: _id, ...rest }) => rest),
          [...written].reverse(),
        );
        assert.ok((read[0]?.id ?? 0) > (read[1]?.id ?? 0));
        assert.deepEqual(await store.listJournalEntries({}, 1), read.slice(0, 1));
        assert.deepEqual(await store.listJournalEntries({ beforeId: read[0]?.id ?? 0 }, 10), read.slice(1));
      });

      it('filters and counts by business, group, method, edge, status, code and time', async () => {
        await store.appendJournalEntries(
          [
            entry({ method: 'POST', time: 1000 }),
            entry({ method: 'POST', groupId: 'g2', time: 2000 }),
            entry({ status: 400, errorCode: 100, time: 3000 }),
            entry({ wabaId: 'other', phoneNumberId: 'other-phone', edge: 'groups', time: 4000 }),
          ],
          100,
        );
        const cases: [JournalFilter, number][] = [
          [{}, 4],
          [{ wabaId: business.wabaId }, 3],
          [{ phoneNumberId: 'other-phone' }, 1],
          [{ groupId: 'g1' }, 3],
          [{ method: 'POST', groupId: 'g1' }, 1],
          [{ edge: 'groups' }, 1],
          [{ status: 400 }, 1],
          [{ errorCode: 100 }, 1],
          [{ since: 2000 }, 3],
          [{ since: 5000 }, 0],
        ];
        for (const [filter, expected] of cases) {
          assert.equal(await store.countJournalEntries(filter), expected, JSON.stringify(filter));
          assert.equal(
            (await store.listJournalEntries(filter, 100)).length,
            expected,
            JSON.stringify(filter),
          );
        }
      });

      it('keeps at most maxEntries, the newest, batch after batch', async () => {
        for (let batch = 0; batch < 4; batch++) {
          await store.appendJournalEntries(
            Array.from({ length: 3 }, (_, i) => entry({ path: `/${batch * 3 + i}` })),
            5,
          );
        }
        const kept = await store.listJournalEntries({}, 100);
        assert.deepEqual(
          kept.map((e) => e.path),
          ['/11', '/10', '/9', '/8', '/7'],
        );
      });

      it('keeps a large batch whole and in order', async () => {
        const batch = Array.from({ length: 237 }, (_, i) => entry({ path: `/${i}` }));
        await store.appendJournalEntries(batch, 200);
        const kept = await store.listJournalEntries({}, 1000);
        assert.deepEqual(
          kept.map((e) => e.path),
          batch
            .slice(37)
            .map((e) => e.path)
            .reverse(),
        );
      });

      it('deletes one business’s entries, or all of them; reset empties it too', async () => {
        await store.appendJournalEntries([entry(), entry({ wabaId: 'other' }), entry({ wabaId: null })], 100);
        assert.equal(await store.deleteJournalEntries({ wabaId: business.wabaId }), 1);
        assert.equal(await store.countJournalEntries({}), 2);
        assert.equal(await store.deleteJournalEntries(), 2);
        assert.equal(await store.countJournalEntries({}), 0);
        await store.appendJournalEntries([entry()], 100);
        await store.reset();
        assert.equal(await store.countJournalEntries({}), 0);
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

    describe('the virtual clock', () => {
      it('starts at real time, and saves each change under a growing version', async () => {
        const initial = await store.readClock();
        assert.deepEqual({ ...initial, version: 0 }, { offsetMs: 0, frozenAtMs: null, version: 0 });
        const saved = await store.updateClock((current) => ({
          offsetMs: current.offsetMs + 5000,
          frozenAtMs: 1_790_000_000_000,
          version: current.version + 1,
        }));
        assert.deepEqual(saved, {
          offsetMs: 5000,
          frozenAtMs: 1_790_000_000_000,
          version: initial.version + 1,
        });
        assert.deepEqual(await store.readClock(), saved);
      });

      it('changes nothing when the change throws', async () => {
        const before = await store.readClock();
        await assert.rejects(
          store.updateClock(() => {
            throw new RangeError('refused');
          }),
          RangeError,
        );
        assert.deepEqual(await store.readClock(), before);
      });

      it('applies concurrent changes one after the other', async () => {
        const step = (current: { offsetMs: number; frozenAtMs: number | null; version: number }) => ({
          ...current,
          offsetMs: current.offsetMs + 1000,
          version: current.version + 1,
        });
        const before = await store.readClock();
        await Promise.all(Array.from({ length: 5 }, () => store.updateClock(step)));
        const after = await store.readClock();
        assert.equal(after.offsetMs, before.offsetMs + 5000);
        assert.equal(after.version, before.version + 5);
      });

      it('goes back to real time on reset, with a newer version, and says so', async () => {
        const advanced = await store.updateClock((current) => ({
          offsetMs: 86_400_000,
          frozenAtMs: null,
          version: current.version + 1,
        }));
        const heard = new Promise<void>((resolve) => {
          const unsubscribe = store.onClockChanged(() => {
            unsubscribe();
            resolve();
          });
        });
        await store.reset();
        const reset = await store.readClock();
        assert.deepEqual(
          { offsetMs: reset.offsetMs, frozenAtMs: reset.frozenAtMs },
          { offsetMs: 0, frozenAtMs: null },
        );
        assert.ok(reset.version > advanced.version, 'a reset is a newer state, never taken for an older one');
        await heard;
      });
    });
  });
}
