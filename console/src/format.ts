/** @module format — how the console words times and errors. */
import { GraphApiError } from '@groupgate/sdk';

/** How long ago a Unix timestamp was, as a moderator reads a wait: "45s", "12m", "3h05m", "2d". */
export function waited(unixSeconds: number, nowMs = Date.now()): string {
  const seconds = Math.max(0, Math.round(nowMs / 1000 - unixSeconds));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86_400)
    return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(seconds / 86_400)}d`;
}

/**
 * How a user is named on screen: their number, or, when they hide it behind a username (2026), `@username`, or
 * their business-scoped user id when they have neither.
 */
export function userLabel(user: { wa_id?: string; user_id?: string; username?: string }): string {
  if (user.wa_id !== undefined) return user.wa_id;
  if (user.username !== undefined) return `@${user.username}`;
  return user.user_id ?? '?';
}

export function describe(error: unknown): string {
  if (error instanceof GraphApiError)
    return `${error.message} (code ${error.code}, trace ${error.fbtraceId})`;
  return error instanceof Error ? error.message : String(error);
}
