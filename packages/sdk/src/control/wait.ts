/**
 * @module control/wait — waiting for something another party does (a webhook sent, an event received), bounded by
 * a timeout, so that a test fails with a message instead of hanging.
 */

export interface WaitOptions {
  /** How long to wait, in ms. @default 5000 */
  timeout?: number;
}

export const DEFAULT_WAIT_TIMEOUT_MS = 5000;

/** A wait ran out of time: what was waited for did not happen. */
export class WaitTimeoutError extends Error {
  override name = 'WaitTimeoutError';
}

/**
 * Calls `check` until it answers something other than undefined, `intervalMs` apart, and throws WaitTimeoutError
 * (`what` says what was awaited) once `timeoutMs` have passed. Errors of `check` propagate at once.
 */
export async function poll<T>(
  check: () => Promise<T | undefined>,
  what: string,
  timeoutMs: number,
  intervalMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await check();
    if (found !== undefined) return found;
    const left = deadline - Date.now();
    if (left <= 0) throw new WaitTimeoutError(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, left)));
  }
}
