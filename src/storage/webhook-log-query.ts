/**
 * @module storage/webhook-log-query — the delivery log's filter as SQL, shared by both backends, which differ only
 * in how they write a placeholder.
 */
import type { WebhookEventFilter } from '../domain/records.js';

export function webhookLogWhere(
  filter: WebhookEventFilter,
  placeholder: (index: number) => string,
): { where: string; params: (string | number)[] } {
  const conditions: string[] = [];
  const params: (string | number)[] = [];
  const add = (sql: string, value: string | number) => {
    params.push(value);
    conditions.push(sql.replace('?', placeholder(params.length)));
  };
  if (filter.appId !== undefined) add('b.app_id = ?', filter.appId);
  if (filter.groupId !== undefined) add('g.group_id = ?', filter.groupId);
  if (filter.state !== undefined) add('e.state = ?', filter.state);
  if (filter.beforeId !== undefined) add('e.id < ?', filter.beforeId);
  return { where: conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`, params };
}
