/**
 * @module storage/outbox.case — the webhook outbox every Store backend must keep: events queued atomically with
 * their change, claimed oldest first with one event per group at a time, leased, logged, replayed. Run by each
 * backend's test file, like store.case.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { mintBusiness } from '../domain/businesses.js';
import { mintGroup } from '../domain/groups.js';
import { joinRequestIdFor } from '../domain/ids.js';
import { userIdentity } from '../domain/users.js';
import type { Store } from './store.js';
import type { AttemptVerdict, BusinessRecord, GroupRecord, NewWebhookEvent } from '../domain/records.js';
import type { StoreContractOptions } from './store.case.js';

const NOW = 1_790_000_000;
const T0 = 1_790_000_000_000;

export function runOutboxContract({ name, open, skip }: StoreContractOptions): void {
  describe(`Webhook outbox contract: ${name}`, { skip: skip ?? false }, () => {
    let store: Store;
    let business: BusinessRecord;

    beforeEach(async () => {
      store = await open();
      business = await store.createBusiness(mintBusiness('Acme', NOW));
    });
    afterEach(() => store.close());

    const event = (group: GroupRecord, type: string, at = T0): NewWebhookEvent => ({
      businessPk: business.pk,
      groupPk: group.pk,
      field: 'group_participants_update',
      itemJson: JSON.stringify({ type, group_id: group.groupId }),
      createdAt: at,
    });

    async function newGroup(): Promise<GroupRecord> {
      const settings = { subject: 'G', description: '', joinApprovalMode: 'approval_required' as const };
      const created = await store.createGroup(mintGroup(business, settings, NOW), 100, (group) => [
        event(group, 'group_create'),
      ]);
      assert.notEqual(created, 'limit_reached');
      return created as GroupRecord;
    }

    const typeOf = (itemJson: string) => (JSON.parse(itemJson) as { type: string }).type;

    /** One attempt at `startedAt` answered `statusCode`, leaving the event as `verdict` says. */
    const attempt = (
      eventId: number,
      number: number,
      startedAt: number,
      durationMs: number,
      statusCode: number,
      verdict: AttemptVerdict,
    ) =>
      store.recordWebhookAttempt(
        {
          eventId,
          attempt: number,
          startedAt,
          durationMs,
          url: 'http://receiver.test/hook',
          statusCode,
          error: statusCode === 200 ? null : `HTTP ${statusCode}`,
        },
        verdict,
      );

    /** Claims everything due and marks it delivered, returning the types in claim order. */
    async function drain(now = T0): Promise<string[]> {
      const claimed = await store.claimWebhookEvents(now, 100, now + 1000);
      for (const e of claimed) {
        await attempt(e.id, e.attempts + 1, now, 1, 200, { state: 'delivered' });
      }
      return claimed.map((e) => typeOf(e.itemJson));
    }

    it('queues the events of a change with it, and none when the change fails', async () => {
      const group = await newGroup();
      const ask = (waId: string, events: () => NewWebhookEvent[]) =>
        store.requestToJoin(
          group,
          {
            user: userIdentity(business.wabaId, waId),
            joinRequestId: joinRequestIdFor(waId, group.groupNumber),
            now: NOW,
            maxParticipants: 8,
          },
          events,
        );
      await ask('16505550001', () => [event(group, 'group_join_request_created')]);
      await assert.rejects(
        ask('16505550002', () => {
          throw new Error('crash between the change and its event');
        }),
        /crash/,
      );
      const page = await store.listPendingJoinRequests(group.pk, { limit: 10 });
      assert.equal(page.count, 1, 'the change whose events failed was rolled back');
      // One group: its events come out one at a time, in order.
      assert.deepEqual(await drain(), ['group_create']);
      assert.deepEqual(await drain(), ['group_join_request_created']);
      assert.deepEqual(await drain(), []);
    });

    it('signals its listeners once events are committed, and only when a change queued some', async () => {
      const claims: Promise<string[]>[] = [];
      // What a listener claims at once must already be there: the signal comes after the commit.
      const unsubscribe = store.onEventsAppended(() => claims.push(drain()));
      const settled = async () => {
        await new Promise((resolve) => setImmediate(resolve));
        return (await Promise.all(claims.splice(0))).flat();
      };
      const group = await newGroup();
      assert.deepEqual(await settled(), ['group_create']);

      const id = joinRequestIdFor('16505550001', group.groupNumber);
      const join = {
        user: userIdentity(business.wabaId, '16505550001'),
        joinRequestId: id,
        now: NOW,
        maxParticipants: 8,
      };
      await store.requestToJoin(group, join, () => []);
      assert.deepEqual(await settled(), [], 'a change that queued nothing signals nothing');

      await store.decideJoinRequests(group.pk, [id], 'approve', { now: NOW, maxParticipants: 8 }, () => [
        event(group, 'group_participants_add'),
      ]);
      assert.deepEqual(await settled(), ['group_participants_add']);

      const [logged] = await store.listWebhookEvents({ limit: 1 });
      assert.ok(logged !== undefined);
      assert.equal(await store.replayWebhookEvent(logged.id, T0), true);
      assert.deepEqual(await settled(), ['group_participants_add'], 'a replayed event is due again at once');

      unsubscribe();
      await store.updateGroup(group.pk, { subject: 'H' }, (changed) => [
        event(changed, 'group_settings_update'),
      ]);
      assert.deepEqual(await settled(), [], 'an unsubscribed listener hears nothing');
    });

    it('rolls a decision back when its events cannot be queued', async () => {
      const group = await newGroup();
      const id = joinRequestIdFor('16505550001', group.groupNumber);
      await store.requestToJoin(
        group,
        {
          user: userIdentity(business.wabaId, '16505550001'),
          joinRequestId: id,
          now: NOW,
          maxParticipants: 8,
        },
        () => [],
      );
      await assert.rejects(
        store.decideJoinRequests(group.pk, [id], 'approve', { now: NOW, maxParticipants: 8 }, () => {
          throw new Error('boom');
        }),
      );
      assert.deepEqual(await store.listParticipants(group.pk), []);
      const retried = await store.decideJoinRequests(
        group.pk,
        [id],
        'approve',
        { now: NOW, maxParticipants: 8 },
        () => [event(group, 'group_participants_add')],
      );
      assert.equal(retried[0]?.result, 'decided');
    });

    it("claims only each group's oldest pending event, oldest groups first", async () => {
      const [a, b] = [await newGroup(), await newGroup()];
      await store.cancelJoinRequest(a.pk, 'none', NOW, () => [event(a, 'never')]);
      await store.setSuspended(a.pk, true, NOW, (g) => [event(g, 'a2')]);
      await store.setSuspended(b.pk, true, NOW, (g) => [event(g, 'b2')]);
      const first = await store.claimWebhookEvents(T0, 10, T0 + 1000);
      assert.deepEqual(
        first.map((e) => typeOf(e.itemJson)),
        ['group_create', 'group_create'],
        'one event per group; a cancel that changed nothing queued nothing',
      );
      assert.equal(first[0]?.wabaId, business.wabaId);
      assert.equal(first[0]?.appSecret, business.appSecret);
      assert.equal(first[0]?.settings, undefined);
      assert.deepEqual(
        await store.claimWebhookEvents(T0, 10, T0 + 1000),
        [],
        'leased events are not claimed again',
      );
      const [leasedA] = first;
      assert.ok(leasedA);
      await attempt(leasedA.id, 1, T0, 5, 500, { state: 'pending', nextAttemptAt: T0 + 500 });
      assert.deepEqual(
        await store.claimWebhookEvents(T0 + 100, 10, T0 + 1100),
        [],
        'the retry is not due yet',
      );
      const retried = await store.claimWebhookEvents(T0 + 500, 10, T0 + 1500);
      assert.deepEqual(
        retried.map((e) => [e.id, e.attempts]),
        [[leasedA.id, 1]],
      );
      // Both leases have run out: both creates are claimed again, and only then the groups' next events.
      assert.deepEqual(await drain(T0 + 2000), ['group_create', 'group_create']);
      assert.deepEqual(await drain(T0 + 4000), ['a2', 'b2']);
      assert.deepEqual(await drain(T0 + 4000), []);
    });

    it('hands an expired lease to the next claimer', async () => {
      await newGroup();
      const [leased] = await store.claimWebhookEvents(T0, 10, T0 + 1000);
      const [again] = await store.claimWebhookEvents(T0 + 1000, 10, T0 + 2000);
      assert.equal(again?.id, leased?.id);
    });

    it('logs attempts, filters the log, and replays any event', async () => {
      const group = await newGroup();
      const [claimed] = await store.claimWebhookEvents(T0, 10, T0 + 1000);
      assert.ok(claimed);
      await attempt(claimed.id, 1, T0, 12, 200, { state: 'delivered' });
      const found = await store.findWebhookEvent(claimed.id);
      assert.deepEqual(
        {
          state: found?.event.state,
          attempts: found?.event.attempts,
          deliveredAt: found?.event.deliveredAt,
          latency: found?.event.lastLatencyMs,
          groupId: found?.event.groupId,
          appId: found?.event.appId,
        },
        {
          state: 'delivered',
          attempts: 1,
          deliveredAt: T0 + 12,
          latency: 12,
          groupId: group.groupId,
          appId: business.appId,
        },
      );
      assert.equal(found?.attempts.length, 1);
      assert.equal((await store.listWebhookEvents({ limit: 10, state: 'pending' })).length, 0);
      assert.equal((await store.listWebhookEvents({ limit: 10, groupId: group.groupId })).length, 1);
      assert.equal((await store.listWebhookEvents({ limit: 10, appId: 'other' })).length, 0);
      assert.equal(await store.replayWebhookEvent(claimed.id, T0 + 5), true);
      assert.equal(await store.replayWebhookEvent(999_999, T0), false);
      const [replayed] = await store.claimWebhookEvents(T0 + 5, 10, T0 + 1000);
      assert.deepEqual([replayed?.id, replayed?.attempts], [claimed.id, 1]);
    });

    it('prunes settled events past the retention, oldest first, and never a pending one', async () => {
      const group = await newGroup(); // its group_create is queued at T0
      const at = (ms: number) => (g: GroupRecord) => [event(g, `at ${ms}`, ms)];
      await store.setSuspended(group.pk, true, NOW, at(T0 + 10));
      await store.setSuspended(group.pk, false, NOW, at(T0 + 20));
      await drain(T0 + 100); // settles group_create
      await drain(T0 + 100); // settles "at T0+10"; "at T0+20" stays pending
      const before = await store.listWebhookEvents({ limit: 10 });
      assert.deepEqual(
        before.map((e) => e.state),
        ['pending', 'delivered', 'delivered'],
      );
      assert.equal(await store.pruneWebhookEvents(T0 + 50, 1), 1, 'a batch at most');
      assert.equal(await store.pruneWebhookEvents(T0 + 50, 100), 1);
      assert.equal(await store.pruneWebhookEvents(T0 + 50, 100), 0);
      const after = await store.listWebhookEvents({ limit: 10 });
      assert.deepEqual(
        after.map((e) => typeOf(e.itemJson)),
        ['at 1790000000020'],
      );
      const gone = before[2];
      assert.ok(gone);
      assert.equal(await store.findWebhookEvent(gone.id), undefined, 'with its attempts');
    });

    it('keeps webhook settings per app and joins them to claims', async () => {
      await newGroup();
      const settings = {
        appId: business.appId,
        callbackUrl: 'http://127.0.0.1:1/hook',
        verifyToken: 'v',
        fields: ['group_lifecycle_update' as const],
        updatedAt: T0,
      };
      await store.saveWebhookSettings(settings);
      await store.saveWebhookSettings({ ...settings, verifyToken: 'v2' });
      assert.deepEqual(await store.findWebhookSettings(business.appId), { ...settings, verifyToken: 'v2' });
      const [claimed] = await store.claimWebhookEvents(T0, 10, T0 + 1000);
      assert.deepEqual(claimed?.settings, { ...settings, verifyToken: 'v2' });
      assert.equal(await store.setAppSecret(business.appId, 'rotated-secret'), true);
      assert.equal(await store.setAppSecret('nope', 'x'), false);
      assert.equal((await store.findBusinessByAppId(business.appId))?.appSecret, 'rotated-secret');
    });
  });
}
