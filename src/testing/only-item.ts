/**
 * @module testing/only-item — the one `groups[]` item of a webhook Groupgate sent: it sends one item per POST,
 * except a bulk approval's single `group_participants_add`.
 */
import assert from 'node:assert/strict';
import type { ReceivedWebhook } from '@groupgate/sdk/testing';

export function onlyItem(webhook: ReceivedWebhook): { field: string; item: Record<string, unknown> } {
  const [entry] = webhook.body.entry;
  const [change] = entry?.changes ?? [];
  assert.ok(change, 'one change');
  const groups = change.value.groups ?? [];
  assert.equal(groups.length, 1, 'one groups[] item');
  return { field: change.field, item: groups[0] as Record<string, unknown> };
}
