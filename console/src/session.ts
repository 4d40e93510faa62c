/**
 * @module session — who is signed in. The access token lives in sessionStorage only: gone when the tab closes,
 * never in a URL, never in localStorage.
 */
export interface Session {
  accessToken: string;
  phoneNumberId: string;
  /** Optional: lets the console show the webhook delivery log (Groupgate's control API). */
  adminToken: string;
}

const KEY = 'groupgate.console.session';

export function loadSession(): Session | undefined {
  const raw = sessionStorage.getItem(KEY);
  if (raw === null) return undefined;
  try {
    const parsed = JSON.parse(raw) as Partial<Session>;
    if (typeof parsed.accessToken !== 'string' || typeof parsed.phoneNumberId !== 'string') return undefined;
    return {
      accessToken: parsed.accessToken,
      phoneNumberId: parsed.phoneNumberId,
      adminToken: parsed.adminToken ?? '',
    };
  } catch {
    return undefined;
  }
}

export function saveSession(session: Session | undefined): void {
  if (session === undefined) sessionStorage.removeItem(KEY);
  else sessionStorage.setItem(KEY, JSON.stringify(session));
}
