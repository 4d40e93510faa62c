/**
 * @module storage/rows — the column shapes both SQL backends read, and their one mapping to domain records. The
 * schemas differ only in dialect; the columns a record is read from do not.
 */
import type { JoinApprovalMode } from '../contract/groups.js';
import type { BusinessRecord, GroupRecord } from '../domain/records.js';

export interface BusinessRow {
  pk: number;
  waba_id: string;
  phone_number_id: string;
  phone_digits: string;
  display_phone_number: string;
  app_id: string;
  app_secret: string;
  name: string;
  created_at: number;
}

export interface GroupRow {
  pk: number;
  group_id: string;
  group_number: string;
  business_pk: number;
  request_id: string;
  subject: string;
  description: string;
  join_approval_mode: JoinApprovalMode;
  invite_code: string;
  participant_count: number;
  created_at: number;
}

export function toBusiness(row: BusinessRow): BusinessRecord {
  return {
    pk: row.pk,
    wabaId: row.waba_id,
    phoneNumberId: row.phone_number_id,
    phoneDigits: row.phone_digits,
    displayPhoneNumber: row.display_phone_number,
    appId: row.app_id,
    appSecret: row.app_secret,
    name: row.name,
    createdAt: row.created_at,
  };
}

export function toGroup(row: GroupRow): GroupRecord {
  return {
    pk: row.pk,
    groupId: row.group_id,
    groupNumber: row.group_number,
    businessPk: row.business_pk,
    requestId: row.request_id,
    subject: row.subject,
    description: row.description,
    joinApprovalMode: row.join_approval_mode,
    inviteCode: row.invite_code,
    participantCount: row.participant_count,
    createdAt: row.created_at,
  };
}
