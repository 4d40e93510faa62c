/**
 * @module domain/journal — the request journal's records: one Graph call as Groupgate answered it, already
 * redacted (server/journal builds them), and the filter the control API reads them by. Times are Unix milliseconds.
 */

/** One recorded call, as the store keeps it. */
export interface NewJournalEntry {
  /** When the call arrived, Unix milliseconds. */
  time: number;
  /** The method Graph served the call as: a POST with `method=DELETE` is a DELETE. */
  method: string;
  /** The method on the wire, when it differs (a `method=` override, HEAD). */
  httpMethod: string;
  /** The URL path as sent, without its query string. */
  path: string;
  /** The edge (`join_requests`, `groups`, `group` for the node itself …), or null when no edge was found. */
  edge: string | null;
  status: number;
  /** Graph's `error.code` and `error.error_subcode`, on a refused call. */
  errorCode: number | null;
  errorSubcode: number | null;
  fbtraceId: string;
  durationMs: number;
  wabaId: string | null;
  phoneNumberId: string | null;
  groupId: string | null;
  /** The fault rule that fired, if any, and what it did. */
  faultRuleId: string | null;
  faultEffect: string | null;
  /**
   * What the client sent, redacted: `{query, body, body_truncated, headers}` as JSON text. Kept as one document:
   * nothing filters on it, and one column costs one bind per row.
   */
  requestJson: string;
}

export interface JournalEntryRecord extends NewJournalEntry {
  /** Increasing in the order entries were written; the paging cursor. */
  id: number;
}

/** Which entries a read, a count or a delete concerns; every field narrows. */
export interface JournalFilter {
  wabaId?: string;
  phoneNumberId?: string;
  groupId?: string;
  method?: string;
  edge?: string;
  status?: number;
  errorCode?: number;
  /** Entries at or after this time, Unix milliseconds. */
  since?: number;
  /** Entries older (smaller id) than this: the journal pages backwards from the newest. */
  beforeId?: number;
}
