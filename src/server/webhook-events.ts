/**
 * @module server/webhook-events — turns webhook items into outbox rows for a group. Stamped with the wall clock in
 * milliseconds: the retry window and the delivery log count from it.
 */
import type { WebhookItem } from '../domain/webhook-items.js';
import type { GroupRecord, NewWebhookEvent } from '../domain/records.js';

export function outboxOf(group: GroupRecord, ...items: WebhookItem[]): NewWebhookEvent[] {
  const createdAt = Date.now();
  return items.map(({ field, item }) => ({
    businessPk: group.businessPk,
    groupPk: group.pk,
    field,
    itemJson: JSON.stringify(item),
    createdAt,
  }));
}
