/**
 * @module storage/journal-query — the request journal's filter as SQL, and its rows back as records, shared by both
 * backends, which differ only in how they write a placeholder.
 */
import type { JournalEntryRecord, JournalFilter, NewJournalEntry } from '../domain/journal.js';

/** The columns of `request_journal` an entry is written to, in `journalValues` order. */
export const JOURNAL_COLUMNS = [
  'time',
  'method',
  'http_method',
  'path',
  'edge',
  'status',
  'error_code',
  'error_subcode',
  'fbtrace_id',
  'duration_ms',
  'waba_id',
  'phone_number_id',
  'group_id',
  'fault_rule_id',
  'fault_effect',
  'request_json',
] as const;

export function journalValues(entry: NewJournalEntry): (string | number | null)[] {
  return [
    entry.time,
    entry.method,
    entry.httpMethod,
    entry.path,
    entry.edge,
    entry.status,
    entry.errorCode,
    entry.errorSubcode,
    entry.fbtraceId,
    entry.durationMs,
    entry.wabaId,
    entry.phoneNumberId,
    entry.groupId,
    entry.faultRuleId,
    entry.faultEffect,
    entry.requestJson,
  ];
}

export interface JournalRow {
  id: number;
  time: number;
  method: string;
  http_method: string;
  path: string;
  edge: string | null;
  status: number;
  error_code: number | null;
  error_subcode: number | null;
  fbtrace_id: string;
  duration_ms: number;
  waba_id: string | null;
  phone_number_id: string | null;
  group_id: string | null;
  fault_rule_id: string | null;
  fault_effect: string | null;
  request_json: string;
}

export function toJournalEntry(row: JournalRow): JournalEntryRecord {
  return {
    id: row.id,
    time: row.time,
    method: row.method,
    httpMethod: row.http_method,
    path: row.path,
    edge: row.edge,
    status: row.status,
    errorCode: row.error_code,
    errorSubcode: row.error_subcode,
    fbtraceId: row.fbtrace_id,
    durationMs: row.duration_ms,
    wabaId: row.waba_id,
    phoneNumberId: row.phone_number_id,
    groupId: row.group_id,
    faultRuleId: row.fault_rule_id,
    faultEffect: row.fault_effect,
    requestJson: row.request_json,
  };
}

export function journalWhere(
  filter: JournalFilter,
  placeholder: (index: number) => string,
): { where: string; params: (string | number)[] } {
  const conditions: string[] = [];
  const params: (string | number)[] = [];
  const add = (sql: string, value: string | number | undefined) => {
    if (value === undefined) return;
    params.push(value);
    conditions.push(sql.replace('?', placeholder(params.length)));
  };
  add('waba_id = ?', filter.wabaId);
  add('phone_number_id = ?', filter.phoneNumberId);
  add('group_id = ?', filter.groupId);
  add('method = ?', filter.method);
  add('edge = ?', filter.edge);
  add('status = ?', filter.status);
  add('error_code = ?', filter.errorCode);
  add('time >= ?', filter.since);
  add('id < ?', filter.beforeId);
  return { where: conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`, params };
}
