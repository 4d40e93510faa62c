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

export function describe(error: unknown): string {
  if (error instanceof GraphApiError)
    return `${error.message} (code ${error.code}, trace ${error.fbtraceId})`;
  return error instanceof Error ? error.message : String(error);
}
