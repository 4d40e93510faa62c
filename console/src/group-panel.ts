/**
 * @module group-panel — the group's details (subject, description, approval mode, participants against Meta's cap)
 * and its invite link, with copy and a two-step reset (a reset kills the old link at once).
 */
import { DEFAULT_MAX_PARTICIPANTS, type GroupInfo, type GroupsClient } from '@groupgate/sdk';
import { useEffect, useState } from 'preact/hooks';
import { describe, userLabel } from './format.js';
import { html } from './html.js';

const FIELDS = [
  'subject',
  'description',
  'join_approval_mode',
  'participants',
  'total_participant_count',
] as const;
type Info = GroupInfo<(typeof FIELDS)[number]>;

export function GroupPanel({ client, groupId }: { client: GroupsClient; groupId: string }) {
  const [info, setInfo] = useState<Info | undefined>(undefined);
  const [link, setLink] = useState<string | undefined>(undefined);
  const [confirming, setConfirming] = useState(false);
  const [message, setMessage] = useState('');
  const [error, setError] = useState('');

  useEffect(() => {
    let live = true;
    const load = async () => {
      try {
        const [details, inviteLink] = await Promise.all([
          client.groups.get(groupId, FIELDS),
          client.inviteLinks.get(groupId).catch(() => undefined),
        ]);
        if (!live) return;
        setInfo(details);
        setLink(inviteLink);
        setError('');
      } catch (caught) {
        if (live) setError(describe(caught));
      }
    };
    void load();
    // Participants change as requests are approved elsewhere in the page.
    const timer = setInterval(() => void load(), 3000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [client, groupId]);

  const copy = async () => {
    if (link === undefined) return;
    try {
      await navigator.clipboard.writeText(link);
      setMessage('Invite link copied.');
    } catch {
      setMessage('Copying was refused by the browser; select the link to copy it.');
    }
  };

  const reset = async () => {
    setConfirming(false);
    try {
      setLink(await client.inviteLinks.reset(groupId));
      setMessage('Invite link reset: the old link no longer works.');
    } catch (caught) {
      setError(describe(caught));
    }
  };

  const count = info?.total_participant_count ?? 0;
  return html`
    <section class="group" aria-labelledby="group-title">
      <h2 id="group-title">${info?.subject ?? 'Group'}</h2>
      ${error !== '' && html`<p class="error" role="alert">${error}</p>`}
      <dl>
        <dt>Description</dt>
        <dd>${info === undefined ? '…' : info.description === '' ? '—' : info.description}</dd>
        <dt>Approval</dt>
        <dd>
          ${info?.join_approval_mode === 'approval_required' ? 'Requests need approval' : 'Anyone with the link joins'}
        </dd>
        <dt>Participants</dt>
        <dd>
          <meter
            min="0"
            max=${DEFAULT_MAX_PARTICIPANTS}
            value=${count}
            aria-label="Participants against the cap"
          ></meter>
          <span class="count">${count} / ${DEFAULT_MAX_PARTICIPANTS}</span>
          ${count >= DEFAULT_MAX_PARTICIPANTS && html`<span class="full"> full</span>`}
        </dd>
      </dl>
      <ul class="participants" aria-label="Participants">
        ${(info?.participants ?? []).map((p) => html`<li key=${p.user_id} title=${p.user_id}>${userLabel(p)}</li>`)}
      </ul>
      <h3>Invite link</h3>
      <p class="invite-link"><code data-testid="invite-link">${link ?? 'No invite link'}</code></p>
      <div class="link-actions">
        <button type="button" onClick=${copy} disabled=${link === undefined}>Copy link</button>
        ${
          confirming
            ? html`<button type="button" class="reject" onClick=${reset}>Confirm reset</button>
                <button type="button" class="quiet" onClick=${() => setConfirming(false)}>Cancel</button>`
            : html`<button type="button" onClick=${() => setConfirming(true)}>Reset link</button>`
        }
      </div>
      <p class="status" role="status" aria-live="polite">${message}</p>
    </section>
  `;
}
