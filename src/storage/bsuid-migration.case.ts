/**
 * @module storage/bsuid-migration.case — rows as a database from before business-scoped user ids (migrations 1 to
 * 3) held them, written with plain SQL both backends run, for the upgrade tests of each.
 */
export interface OldDatabase {
  /** Runs one statement with `$n` placeholders. */
  run(sql: string, values: readonly (string | number)[]): Promise<void>;
}

export const OLD_ROWS = {
  wabaId: '102290129340398',
  participant: '447700900123',
  requester: '16505550009',
  joinRequestId: 'MTY1MDU1NTAwMDk6MTIwMzYz',
};

/** One business, one group with a participant and a pending request rendered the old way (no user_id). */
export async function seedOldRows(db: OldDatabase): Promise<{ wabaId: string; groupId: string }> {
  const groupId = 'Y2FwaV9ncm91cDpvbGQZD';
  await db.run(
    `INSERT INTO businesses (pk, waba_id, phone_number_id, phone_digits, display_phone_number, app_id, app_secret,
       name, created_at) VALUES (1, $1, '106540352242922', '15550100001', '+1 555-010-0001', '1234567890', 's',
       'Old', 1)`,
    [OLD_ROWS.wabaId],
  );
  await db.run(
    `INSERT INTO groups (pk, group_id, group_number, business_pk, request_id, subject, description,
       join_approval_mode, invite_code, participant_count, created_at)
     VALUES (1, $1, '120363000000000001', 1, 'R', 'Old', '', 'approval_required', 'OLDCODE', 1, 1)`,
    [groupId],
  );
  await db.run('INSERT INTO participants (group_pk, wa_id, joined_at) VALUES (1, $1, 1)', [
    OLD_ROWS.participant,
  ]);
  await db.run(
    `INSERT INTO join_requests (group_pk, join_request_id, wa_id, status, created_at, wire_json)
     VALUES (1, $1, $2, 'pending', 1790000000, $3)`,
    [
      OLD_ROWS.joinRequestId,
      OLD_ROWS.requester,
      JSON.stringify({
        join_request_id: OLD_ROWS.joinRequestId,
        wa_id: OLD_ROWS.requester,
        creation_timestamp: 1_790_000_000,
      }),
    ],
  );
  return { wabaId: OLD_ROWS.wabaId, groupId };
}
