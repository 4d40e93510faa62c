/**
 * @module server/control/demo-seed — the demo a newcomer sees on first start: a business, an approval-required
 * group and a few pending join requests. On later starts over the same database it finds that business again and
 * issues a fresh token, so the printed curl line always works.
 */
import { userIdentity } from '../../domain/users.js';
import { joinRequestIdFor } from '../../domain/ids.js';
import { mintGroup } from '../../domain/groups.js';
import type { Store } from '../../storage/store.js';
import type { BusinessRecord, GroupRecord } from '../../domain/records.js';
import { groupCreated } from '../../domain/webhook-items.js';
import { inviteLinkFor } from '../graph/routes/invite-link.js';
import { outboxOf } from '../webhook-events.js';
import { createBusinessWithToken, issueToken, joinEvents } from './sandbox.js';

export const DEMO_BUSINESS_NAME = 'Groupgate demo';
const DEMO_USERS = ['16505550101', '16505550102', '16505550103', '16505550104', '16505550105'];

export interface DemoSeed {
  business: BusinessRecord;
  accessToken: string;
  group: GroupRecord | undefined;
  createdNow: boolean;
}

export async function seedDemo(
  store: Store,
  now: number,
  maxGroups: number,
  maxParticipants: number,
): Promise<DemoSeed> {
  const existing = await store.findBusinessByName(DEMO_BUSINESS_NAME);
  if (existing !== undefined) {
    const accessToken = await issueToken(store, existing, now, null);
    const groups = await store.listGroups(existing.pk, { limit: 1 });
    return { business: existing, accessToken, group: groups.items[0], createdNow: false };
  }
  const { business, accessToken } = await createBusinessWithToken(store, DEMO_BUSINESS_NAME, now);
  const created = await store.createGroup(
    mintGroup(
      business,
      {
        subject: 'Groupgate demo group',
        description: 'Join requests waiting for a decision.',
        joinApprovalMode: 'approval_required',
      },
      now,
    ),
    maxGroups,
    (group) => outboxOf(group, now * 1000, groupCreated(group, inviteLinkFor(group.inviteCode), now)),
  );
  if (created === 'limit_reached') return { business, accessToken, group: undefined, createdNow: true };
  for (const [i, waId] of DEMO_USERS.entries()) {
    const at = now - (DEMO_USERS.length - i) * 60;
    // The last demo user hides their number behind a username, so the console shows one such request.
    const options = i === DEMO_USERS.length - 1 ? { hidePhoneNumber: true, username: 'demo.user' } : {};
    const user = userIdentity(business.wabaId, waId, options);
    await store.requestToJoin(
      created,
      { user, joinRequestId: joinRequestIdFor(waId, created.groupNumber), now: at, maxParticipants },
      joinEvents(created, user, at, at * 1000),
    );
  }
  return { business, accessToken, group: created, createdNow: true };
}
