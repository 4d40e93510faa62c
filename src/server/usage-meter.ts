/**
 * @module server/usage-meter — the figures behind `x-business-use-case-usage` and `x-app-usage` (reference §4.7):
 * shares of a call budget used so far, in percent, and, once a budget is used up, the minutes until it has room
 * again. A business given a WABA or app budget (server/call-limits) is reported on from its sliding windows; one
 * without is reported against Meta's hourly quota, counted here per process, and never throttled.
 */
import type { WindowUsage } from '../domain/rate-limits.js';

/** Meta's management quota for active WABAs: 5,000 calls an hour. */
export const HOURLY_CALL_QUOTA = 5000;
const WINDOW_SECONDS = 3600;

function percentOf(used: number, max: number): number {
  return Math.min(100, Math.floor((used * 100) / max));
}

/**
 * One `{type, call_count, total_cputime, total_time, estimated_time_to_regain_access}` entry for the WABA. Groupgate
 * measures calls, not CPU or time, so the three shares are the share of calls.
 */
function businessUsage(wabaId: string, percent: number, regainMinutes: number): string {
  return JSON.stringify({
    [wabaId]: [
      {
        type: 'whatsapp_business_management',
        call_count: percent,
        total_cputime: percent,
        total_time: percent,
        estimated_time_to_regain_access: regainMinutes,
      },
    ],
  });
}

/** Minutes until a full window has room again (rounded up, as a client waiting that long is let through); else 0. */
function regainMinutes(usage: WindowUsage, now: number): number {
  return usage.regainAt === undefined ? 0 : Math.max(1, Math.ceil((usage.regainAt - now) / 60));
}

/** `x-business-use-case-usage` from the WABA's own budget window. */
export function businessUseCaseUsageHeader(wabaId: string, usage: WindowUsage, now: number): string {
  return businessUsage(wabaId, percentOf(usage.used, usage.max), regainMinutes(usage, now));
}

/** `x-app-usage` from the app's own budget window: `{call_count, total_cputime, total_time}`, in percent. */
export function appUsageHeader(usage: WindowUsage): string {
  const percent = percentOf(usage.used, usage.max);
  return JSON.stringify({ call_count: percent, total_cputime: percent, total_time: percent });
}

interface Window {
  start: number;
  calls: number;
  /** The header last rendered, and the percentage it shows: re-rendered only when that changes. */
  percent: number;
  header: string;
}

/** The report for businesses without a WABA budget: Meta's hourly quota, in fixed hours, never enforced. */
export class UsageMeter {
  readonly #windows = new Map<string, Window>();

  /** Counts one call and returns the header value. */
  record(wabaId: string, now: number): string {
    let window = this.#windows.get(wabaId);
    if (window === undefined || now - window.start >= WINDOW_SECONDS) {
      window = { start: now - (now % WINDOW_SECONDS), calls: 0, percent: -1, header: '' };
      this.#windows.set(wabaId, window);
    }
    window.calls++;
    const percent = percentOf(window.calls, HOURLY_CALL_QUOTA);
    if (percent === window.percent) return window.header;
    window.percent = percent;
    window.header = businessUsage(wabaId, percent, 0);
    return window.header;
  }
}
