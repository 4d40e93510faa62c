/**
 * Seeds a SQLite file for the benchmark through the real Store: `groups` groups holding `total` pending join
 * requests, one of them "deep" (enough requests for `deepPages` pages of 25) and the rest spread evenly.
 */
import { mintBusiness } from '../src/domain/businesses.js';
import { mintGroup } from '../src/domain/groups.js';
import { joinRequestIdFor } from '../src/domain/ids.js';
import { userIdentity } from '../src/domain/users.js';
import type { BusinessRecord, GroupRecord } from '../src/domain/records.js';
import type { Store } from '../src/storage/store.js';
import { openSqliteStore } from '../src/storage/sqlite/sqlite-store.js';

/** The benchmark measures the API, not the webhook outbox: seeding queues no events. */
const NO_EVENTS = () => [];

export interface Seeded {
  business: BusinessRecord;
  accessToken: string;
  deep: GroupRecord;
  shallow: GroupRecord[];
  perShallowGroup: number;
}

/** The business, its token and its groups, through the Store; and how the requests will be spread over them. */
export async function seedGroups(store: Store, total: number, groups: number, deepPages: number) {
  const now = Math.floor(Date.now() / 1000);
  const business = await store.createBusiness(mintBusiness('Bench', now));
  const accessToken = 'EAAGbench' + 'x'.repeat(91);
  await store.createAccessToken({
    token: accessToken,
    businessPk: business.pk,
    createdAt: now,
    expiresAt: null,
  });
  const all: GroupRecord[] = [];
  for (let g = 0; g < groups; g++) {
    const created = await store.createGroup(
      mintGroup(
        business,
        { subject: `Bench ${g}`, description: '', joinApprovalMode: 'approval_required' },
        now,
      ),
      groups,
      NO_EVENTS,
    );
    if (created === 'limit_reached') throw new Error('group limit');
    all.push(created);
  }
  const [deep, ...shallow] = all as [GroupRecord, ...GroupRecord[]];
  const perShallowGroup = Math.floor((total - deepPages * 25) / shallow.length);
  return { business, accessToken, deep, shallow, perShallowGroup, now };
}

export async function seed(path: string, total: number, groups: number, deepPages: number): Promise<Seeded> {
  const store = openSqliteStore({ path });
  const { business, accessToken, deep, shallow, perShallowGroup, now } = await seedGroups(
    store,
    total,
    groups,
    deepPages,
  );
  // The deep group takes the remainder, so the total is exact.
  const deepCount = total - perShallowGroup * shallow.length;
  let waId = 10_000_000_000;
  const ask = (group: GroupRecord) => {
    const id = String(waId++);
    return store.requestToJoin(
      group,
      {
        user: userIdentity(business.wabaId, id),
        joinRequestId: joinRequestIdFor(id, group.groupNumber),
        now,
        maxParticipants: 1_000_000,
      },
      NO_EVENTS,
    );
  };
  const started = Date.now();
  for (let i = 0; i < deepCount; i++) await ask(deep);
  for (const group of shallow) for (let i = 0; i < perShallowGroup; i++) await ask(group);
  const seconds = (Date.now() - started) / 1000;
  process.stdout.write(
    `seeded ${deepCount + perShallowGroup * shallow.length} join requests in ${seconds.toFixed(1)} s\n`,
  );
  await store.close();
  return { business, accessToken, deep, shallow, perShallowGroup };
}
