/**
 * @module server/usage-meter — the figures behind `x-business-use-case-usage` (reference §4.7): per WABA, the
 * share of an hourly call quota used so far, in percent. Counted per process; Groupgate does not throttle on it.
 */

/** Meta's management quota for active WABAs: 5,000 calls an hour. */
export const HOURLY_CALL_QUOTA = 5000;
const WINDOW_SECONDS = 3600;

interface Window {
  start: number;
  calls: number;
  /** The header last rendered, and the percentage it shows: re-rendered only when that changes. */
  percent: number;
  header: string;
}

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
    const percent = Math.min(100, Math.floor((window.calls * 100) / HOURLY_CALL_QUOTA));
    if (percent === window.percent) return window.header;
    window.percent = percent;
    window.header = JSON.stringify({
      [wabaId]: [
        {
          type: 'whatsapp_business_management',
          call_count: percent,
          total_cputime: percent,
          total_time: percent,
          estimated_time_to_regain_access: 0,
        },
      ],
    });
    return window.header;
  }
}
