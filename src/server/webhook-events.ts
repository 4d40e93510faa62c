/**
 * @module server/webhook-events — turns webhook items into outbox rows for a group. Stamped in milliseconds on the
 * virtual clock (`createdAt`): the retry window and the delivery log's retention count from it.
 */
import type { WebhookItem } from '../domain/webhook-items.js';
import type { GroupRecord, NewWebhookEvent } from '../domain/records.js';

export function outboxOf(group: GroupRecord, createdAt: number, ...items: WebhookItem[]): NewWebhookEvent[] {
  return items.map(({ field, item }) => ({
    businessPk: group.businessPk,
    groupPk: group.pk,
    field,
    itemJson: JSON.stringify(item),
    createdAt,
  }));
}
