/**
 * @module deliveries-panel — recent webhook deliveries for the group, from Groupgate's control API (shown only when
 * an admin token was given at sign-in; Meta has no such log).
 */
import type { ControlList, WebhookDelivery } from '@groupgate/sdk';
import { useEffect, useState } from 'preact/hooks';
import { html } from './html.js';

export function DeliveriesPanel({ adminToken, groupId }: { adminToken: string; groupId: string }) {
  const [deliveries, setDeliveries] = useState<WebhookDelivery[]>([]);
  const [error, setError] = useState('');

  useEffect(() => {
    let live = true;
    const load = async () => {
      const query = new URLSearchParams({ group_id: groupId, limit: '10' });
      const response = await fetch(`/_groupgate/webhooks/deliveries?${query}`, {
        headers: { authorization: `Bearer ${adminToken}` },
      });
      const body = (await response.json()) as Partial<ControlList<WebhookDelivery>> & {
        error?: { message: string };
      };
      if (!live) return;
      if (body.data !== undefined) {
        setDeliveries(body.data);
        setError('');
      } else {
        setError(body.error?.message ?? `HTTP ${response.status}`);
      }
    };
    void load().catch((caught: unknown) => live && setError(String(caught)));
    const timer = setInterval(() => void load().catch(() => undefined), 3000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [adminToken, groupId]);

  return html`
    <section class="deliveries" aria-labelledby="deliveries-title">
      <h2 id="deliveries-title">Webhook deliveries</h2>
      ${error !== '' && html`<p class="error" role="alert">${error}</p>`}
      ${deliveries.length === 0 && error === '' && html`<p class="hint">None yet.</p>`}
      <ul>
        ${deliveries.map((d) => {
          const last =
            d.last_status_code !== null
              ? `, HTTP ${d.last_status_code}`
              : d.last_error !== null
                ? `, ${d.last_error}`
                : '';
          const detail = `${d.attempts} attempt${d.attempts === 1 ? '' : 's'}${last}`;
          return html`<li key=${d.id}>
            <span class=${`state ${d.state}`}>${d.state}</span>
            <span class="type">${d.type}</span>
            <span class="hint">${detail}</span>
          </li>`;
        })}
      </ul>
    </section>
  `;
}
