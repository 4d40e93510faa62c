/**
 * @module requests-panel — a group's pending join requests, oldest first, kept live by polling the public API.
 * Decide one row, or select many (a whole page, or a shift-click range) and decide them together; per-item
 * failures stay next to their row with Meta's code and title. Keyboard: j/k move, x selects, a approves, r rejects.
 */
import type { GroupsClient, ItemError, JoinRequest } from '@groupgate/sdk';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { describe, userLabel, waited } from './format.js';
import { html } from './html.js';

const POLL_MS = 2000;
const PAGE_SIZES = [25, 50, 100];

interface Position {
  after?: string;
  before?: string;
}

interface Failure {
  /** Who asked, as userLabel names them. */
  who: string;
  error: ItemError;
}

type Decision = 'approve' | 'reject';

export function RequestsPanel({ client, groupId }: { client: GroupsClient; groupId: string }) {
  const [requests, setRequests] = useState<JoinRequest[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [position, setPosition] = useState<Position>({});
  const [cursors, setCursors] = useState<{ next?: string; previous?: string }>({});
  const [pageSize, setPageSize] = useState(25);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [focus, setFocus] = useState(0);
  const [anchor, setAnchor] = useState<number | undefined>(undefined);
  const [failures, setFailures] = useState<Map<string, Failure>>(new Map());
  const [status, setStatus] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [, setTick] = useState(0);
  const rows = useRef<HTMLElement | null>(null);

  const refresh = useCallback(async () => {
    try {
      const page = await client.joinRequests.list(groupId, { limit: pageSize, ...position });
      setRequests(page.data);
      setCursors({
        ...(page.nextCursor !== undefined && { next: page.nextCursor }),
        ...(page.previousCursor !== undefined && { previous: page.previousCursor }),
      });
      const listed = new Set(page.data.map((r) => r.join_request_id));
      setSelected((current) => new Set([...current].filter((id) => listed.has(id))));
      setError('');
      setLoaded(true);
    } catch (caught) {
      setError(describe(caught));
    }
  }, [client, groupId, pageSize, position]);

  useEffect(() => {
    void refresh();
    const timer = setInterval(() => {
      void refresh();
      setTick((t) => t + 1); // The waiting times move on.
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [refresh]);

  useEffect(() => {
    setFocus((f) => Math.min(f, Math.max(0, requests.length - 1)));
  }, [requests.length]);

  const decide = async (decision: Decision, ids: string[]) => {
    if (ids.length === 0 || busy) return;
    setBusy(true);
    const whoOf = new Map(requests.map((r) => [r.join_request_id, userLabel(r)]));
    try {
      const answer =
        decision === 'approve'
          ? await client.joinRequests.approve(groupId, ids)
          : await client.joinRequests.reject(groupId, ids);
      const succeeded =
        'approved_join_requests' in answer ? answer.approved_join_requests : answer.rejected_join_requests;
      const failed = new Map<string, Failure>();
      for (const failure of answer.failed_join_requests ?? []) {
        const first = failure.errors[0];
        if (first !== undefined) {
          failed.set(failure.join_request_id, {
            who: whoOf.get(failure.join_request_id) ?? '',
            error: first,
          });
        }
      }
      setFailures(failed);
      const done = new Set(succeeded);
      setRequests((current) => current.filter((r) => !done.has(r.join_request_id)));
      setSelected(new Set());
      const verb = decision === 'approve' ? 'Approved' : 'Rejected';
      setStatus(`${verb} ${succeeded.length}${failed.size > 0 ? `; ${failed.size} failed` : ''}.`);
    } catch (caught) {
      setStatus('');
      setError(describe(caught));
    } finally {
      setBusy(false);
      void refresh();
    }
  };

  const toggle = (index: number, range: boolean) => {
    const request = requests[index];
    if (request === undefined) return;
    setSelected((current) => {
      const next = new Set(current);
      if (range && anchor !== undefined) {
        const [from, to] = anchor < index ? [anchor, index] : [index, anchor];
        for (const r of requests.slice(from, to + 1)) next.add(r.join_request_id);
      } else if (next.has(request.join_request_id)) {
        next.delete(request.join_request_id);
      } else {
        next.add(request.join_request_id);
      }
      return next;
    });
    setAnchor(index);
    setFocus(index);
  };

  const targets = (): string[] => {
    if (selected.size > 0) return [...selected];
    const focused = requests[focus];
    return focused === undefined ? [] : [focused.join_request_id];
  };

  const moveFocus = (index: number) => {
    const bounded = Math.max(0, Math.min(requests.length - 1, index));
    setFocus(bounded);
    rows.current?.querySelectorAll<HTMLElement>('[data-row]')[bounded]?.focus();
  };

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.target instanceof HTMLInputElement && event.target.type !== 'checkbox') return;
    if (event.target instanceof HTMLSelectElement || event.ctrlKey || event.metaKey || event.altKey) return;
    const keys: Record<string, () => void> = {
      j: () => moveFocus(focus + 1),
      k: () => moveFocus(focus - 1),
      x: () => toggle(focus, event.shiftKey),
      a: () => void decide('approve', targets()),
      r: () => void decide('reject', targets()),
    };
    const action = keys[event.key.toLowerCase()];
    if (action !== undefined) {
      event.preventDefault();
      action();
    }
  };

  const allSelected = requests.length > 0 && requests.every((r) => selected.has(r.join_request_id));
  const selectPage = () =>
    setSelected(allSelected ? new Set() : new Set(requests.map((r) => r.join_request_id)));

  return html`
    <section class="requests" aria-labelledby="requests-title" onKeyDown=${onKeyDown}>
      <div class="panel-head">
        <h2 id="requests-title">Pending join requests</h2>
        <label class="page-size">
          Per page
          <select
            value=${pageSize}
            onChange=${(e: Event) => {
              setPageSize(Number((e.currentTarget as HTMLSelectElement).value));
              setPosition({});
            }}
          >
            ${PAGE_SIZES.map((size) => html`<option value=${size}>${size}</option>`)}
          </select>
        </label>
      </div>
      <div class="toolbar" role="toolbar" aria-label="Decide selected requests">
        <label class="select-page">
          <input
            type="checkbox"
            checked=${allSelected}
            onChange=${selectPage}
            disabled=${requests.length === 0}
          />
          All on this page
        </label>
        <button
          type="button"
          class="approve"
          disabled=${busy || selected.size === 0}
          onClick=${() => decide('approve', [...selected])}
        >
          Approve selected (${selected.size})
        </button>
        <button
          type="button"
          class="reject"
          disabled=${busy || selected.size === 0}
          onClick=${() => decide('reject', [...selected])}
        >
          Reject selected (${selected.size})
        </button>
      </div>
      <p class="status" role="status" aria-live="polite">${status}</p>
      ${error !== '' && html`<p class="error" role="alert">${error}</p>`}
      ${
        failures.size > 0 &&
        html`<ul class="failures" role="alert" aria-label="Requests that could not be decided">
          ${[...failures.entries()].map(
            ([id, f]) =>
              html`<li key=${id}><strong>${f.who || id}</strong>: ${f.error.code} ${f.error.title}</li>`,
          )}
        </ul>`
      }
      <ul class="rows" ref=${rows} aria-label="Pending join requests, oldest first">
        ${loaded && requests.length === 0 && html`<li class="empty">No pending join requests.</li>`}
        ${requests.map((request, index) => {
          const id = request.join_request_id;
          const failure = failures.get(id);
          return html`
            <li
              key=${id}
              data-row
              tabindex="-1"
              class=${`row${index === focus ? ' focused' : ''}${selected.has(id) ? ' selected' : ''}`}
              aria-current=${index === focus ? 'true' : undefined}
              onFocus=${() => setFocus(index)}
            >
              <input
                type="checkbox"
                aria-label=${`Select ${userLabel(request)}`}
                checked=${selected.has(id)}
                onClick=${(e: MouseEvent) => {
                  e.preventDefault();
                  toggle(index, e.shiftKey);
                }}
              />
              <span class="wa-id" title=${request.user_id}>${userLabel(request)}</span>
              <span class="waited" title=${new Date(request.creation_timestamp * 1000).toLocaleString()}>
                waiting ${waited(request.creation_timestamp)}
              </span>
              <span class="item-error" role=${failure === undefined ? undefined : 'note'}>
                ${failure !== undefined && `${failure.error.code} ${failure.error.title}`}
              </span>
              <span class="actions">
                <button
                  type="button"
                  class="approve"
                  aria-label=${`Approve ${userLabel(request)}`}
                  disabled=${busy}
                  onClick=${() => decide('approve', [id])}
                >
                  Approve
                </button>
                <button
                  type="button"
                  class="reject"
                  aria-label=${`Reject ${userLabel(request)}`}
                  disabled=${busy}
                  onClick=${() => decide('reject', [id])}
                >
                  Reject
                </button>
              </span>
            </li>
          `;
        })}
      </ul>
      <nav class="pager" aria-label="Pages">
        <button
          type="button"
          disabled=${cursors.previous === undefined}
          onClick=${() => cursors.previous !== undefined && setPosition({ before: cursors.previous })}
        >
          Previous page
        </button>
        <button
          type="button"
          disabled=${cursors.next === undefined}
          onClick=${() => cursors.next !== undefined && setPosition({ after: cursors.next })}
        >
          Next page
        </button>
      </nav>
      <p class="hint keys" aria-label="Keyboard shortcuts">
        <span><kbd>j</kbd> <kbd>k</kbd> move</span>
        <span><kbd>x</kbd> select, <kbd>shift</kbd>+<kbd>x</kbd> a range</span>
        <span><kbd>a</kbd> approve</span>
        <span><kbd>r</kbd> reject</span>
      </p>
    </section>
  `;
}
