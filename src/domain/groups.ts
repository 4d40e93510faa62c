/** @module domain/groups — minting a new group's identity from its business and the caller's settings. */
import type { JoinApprovalMode } from '@groupgate/sdk/contract';
import type { BusinessRecord, NewGroup } from './records.js';
import { groupIdFor, newGroupNumber, newInviteCode, newRequestId } from './ids.js';

export interface GroupSettings {
  subject: string;
  description: string;
  joinApprovalMode: JoinApprovalMode;
}

/**
 * Meta's 131211: a phone number holds at most `maxGroups` active groups. The backends count under their lock and
 * ask this; the rule itself lives here once.
 */
export function mayCreateGroup(activeGroups: number, maxGroups: number): boolean {
  return activeGroups < maxGroups;
}

export function mintGroup(business: BusinessRecord, settings: GroupSettings, now: number): NewGroup {
  const groupNumber = newGroupNumber();
  return {
    groupId: groupIdFor(business.phoneDigits, groupNumber),
    groupNumber,
    businessPk: business.pk,
    requestId: newRequestId(),
    subject: settings.subject,
    description: settings.description,
    joinApprovalMode: settings.joinApprovalMode,
    inviteCode: newInviteCode(),
    createdAt: now,
  };
}
