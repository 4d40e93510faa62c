/**
 * Several instances delivering from one outbox: each event is claimed by exactly one of them, and a group's events
 * still go out one at a time, in order.
 */
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { mintBusiness } from '../../domain/businesses.js';
import { mintGroup } from '../../domain/groups.js';
import {
  dropTestSchemas,
  newTestSchema,
  openTestPostgresStore,
  postgresSkipReason,
} from '../../testing/postgres.js';
import type { Store } from '../store.js';
import type { GroupRecord } from '../../domain/records.js';

const skip = await postgresSkipReason();
after(() => (skip === false ? dropTestSchemas() : undefined));

it('hands each event to exactly one of several claimers, in order within each group', { skip }, async () => {
  const schema = newTestSchema();
  const stores: Store[] = [await openTestPostgresStore(schema), await openTestPostgresStore(schema)];
  try {
    const [first] = stores as [Store, Store];
    const business = await first.createBusiness(mintBusiness('Acme', 1));
    const groups: GroupRecord[] = [];
    const perGroup = 10;
    for (let g = 0; g < 8; g++) {
      const settings = { subject: `G${g}`, description: '', joinApprovalMode: 'auto_approve' as const };
      const group = await first.createGroup(mintGroup(business, settings, 1), 100, () => []);
      assert.notEqual(group, 'limit_reached');
      groups.push(group as GroupRecord);
    }
    for (let i = 0; i < perGroup; i++) {
      for (const group of groups) {
        await first.setSuspended(group.pk, i % 2 === 0, 1, () => [
          {
            businessPk: business.pk,
            groupPk: group.pk,
            field: 'group_status_update',
            itemJson: JSON.stringify({ group: group.pk, n: i }),
            createdAt: Date.now(),
          },
        ]);
      }
    }
    const delivered: { claimer: number; group: number; n: number }[] = [];
    // Four claimers over two pools, each delivering what it claims after a short random delay.
    await Promise.all(
      [0, 1, 2, 3].map(async (claimer) => {
        const store = stores[claimer % 2] as Store;
        for (let idle = 0; idle < 20;) {
          const now = Date.now();
          const claimed = await store.claimWebhookEvents(now, 3, now + 60_000);
          if (claimed.length === 0) {
            idle++;
            await new Promise((resolve) => setTimeout(resolve, 5));
            continue;
          }
          idle = 0;
          await Promise.all(
            claimed.map(async (event) => {
              await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
              delivered.push({ claimer, ...(JSON.parse(event.itemJson) as { group: number; n: number }) });
              await store.recordWebhookAttempt(
                {
                  eventId: event.id,
                  attempt: 1,
                  startedAt: now,
                  durationMs: 1,
                  url: 'u',
                  statusCode: 200,
                  error: null,
                },
                { state: 'delivered' },
              );
            }),
          );
        }
      }),
    );
    assert.equal(delivered.length, groups.length * perGroup, 'each event delivered exactly once');
    for (const group of groups) {
      const sequence = delivered.filter((d) => d.group === group.pk).map((d) => d.n);
      assert.deepEqual(
        sequence,
        [...sequence].sort((a, b) => a - b),
        `group ${group.pk} in order`,
      );
    }
    assert.ok(new Set(delivered.map((d) => d.claimer)).size > 1, 'the work was shared');
  } finally {
    for (const store of stores) await store.close();
  }
});
