/**
 * @module app — sign-in, then the workspace: pick a group of the phone number, moderate its join requests, see its
 * details. Everything goes through the public Graph API with the SDK, as any API client could.
 */
import { GroupsClient, type GroupSummary } from '@groupgate/sdk';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { DeliveriesPanel } from './deliveries-panel.js';
import { describe } from './format.js';
import { GroupPanel } from './group-panel.js';
import { html } from './html.js';
import { RequestsPanel } from './requests-panel.js';
import { loadSession, saveSession, type Session } from './session.js';

function clientFor(session: Session): GroupsClient {
  return new GroupsClient({
    accessToken: session.accessToken,
    phoneNumberId: session.phoneNumberId,
    baseUrl: location.origin,
    retry: { maxRetries: 2 },
  });
}

export function App() {
  const [session, setSession] = useState<Session | undefined>(loadSession);
  const signIn = (next: Session) => {
    saveSession(next);
    setSession(next);
  };
  const signOut = () => {
    saveSession(undefined);
    setSession(undefined);
  };
  return session === undefined
    ? html`<${SignIn} onSignIn=${signIn} />`
    : html`<${Workspace} session=${session} onSignOut=${signOut} />`;
}

function SignIn({ onSignIn }: { onSignIn: (session: Session) => void }) {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const session: Session = {
      accessToken: String(form.get('accessToken') ?? '').trim(),
      phoneNumberId: String(form.get('phoneNumberId') ?? '').trim(),
      adminToken: String(form.get('adminToken') ?? '').trim(),
    };
    setBusy(true);
    setError('');
    try {
      // Checks both the token and the number before anything is kept.
      await clientFor(session).groups.list({ limit: 1 });
      onSignIn(session);
    } catch (caught) {
      setError(describe(caught));
    } finally {
      setBusy(false);
    }
  };
  return html`
    <main class="sign-in">
      <h1>Groupgate console</h1>
      <p>Moderate the join requests of a business number's WhatsApp groups.</p>
      <form onSubmit=${submit}>
        <label>Access token <input name="accessToken" type="password" required autocomplete="off" /></label>
        <label
          >Phone number ID <input name="phoneNumberId" required inputmode="numeric" autocomplete="off"
        /></label>
        <label>
          Admin token <span class="hint">(optional: shows webhook deliveries)</span>
          <input name="adminToken" type="password" autocomplete="off" />
        </label>
        <button type="submit" disabled=${busy}>${busy ? 'Signing in…' : 'Sign in'}</button>
        ${error !== '' && html`<p class="error" role="alert">${error}</p>`}
      </form>
      <p class="hint">The token stays in this tab's session storage and is sent only to this server.</p>
    </main>
  `;
}

function Workspace({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const client = useMemo(() => clientFor(session), [session]);
  const [groups, setGroups] = useState<GroupSummary[] | undefined>(undefined);
  const [groupId, setGroupId] = useState<string>(() => decodeURIComponent(location.hash.slice(1)));
  const [error, setError] = useState('');

  useEffect(() => {
    let live = true;
    (async () => {
      const all: GroupSummary[] = [];
      for await (const group of client.groups.iterate({ pageSize: 1024 })) all.push(group);
      if (!live) return;
      setGroups(all);
      setGroupId((current) => (all.some((g) => g.id === current) ? current : (all[0]?.id ?? '')));
    })().catch((caught: unknown) => live && setError(describe(caught)));
    return () => {
      live = false;
    };
  }, [client]);

  useEffect(() => {
    // The group, not the token, may go in the URL: a moderator can bookmark it.
    if (groupId !== '') history.replaceState(null, '', `#${encodeURIComponent(groupId)}`);
  }, [groupId]);

  return html`
    <header class="top">
      <h1>Groupgate console</h1>
      <label class="group-picker">
        Group
        <select
          value=${groupId}
          onChange=${(e: Event) => setGroupId((e.currentTarget as HTMLSelectElement).value)}
        >
          ${(groups ?? []).map((g) => html`<option value=${g.id}>${g.subject}</option>`)}
        </select>
      </label>
      <button type="button" class="quiet" onClick=${onSignOut}>Sign out</button>
    </header>
    ${error !== '' && html`<p class="error" role="alert">${error}</p>`}
    ${groups !== undefined && groups.length === 0 && html`<p class="empty">This number has no groups yet.</p>`}
    ${
      groupId !== '' &&
      html`
        <main class="workspace">
          <${RequestsPanel} key=${groupId} client=${client} groupId=${groupId} />
          <aside class="side">
            <${GroupPanel} key=${groupId} client=${client} groupId=${groupId} />
            ${
              session.adminToken !== '' &&
              html`<${DeliveriesPanel} key=${groupId} adminToken=${session.adminToken} groupId=${groupId} />`
            }
          </aside>
        </main>
      `
    }
  `;
}
