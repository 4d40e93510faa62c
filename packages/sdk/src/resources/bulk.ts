/**
 * @module resources/bulk — deciding any number of join requests: split into calls of a safe size, run a few at a
 * time with optional pacing, and merged into one result. Per-item failures are collected, not thrown; a call that
 * fails as a whole (after the client's own retries) stops the run and is thrown with the progress so far.
 */
import type { FailedJoinRequest, ItemError } from '../contract/index.js';

export interface BulkOptions {
  /** Ids per call. @default 100 */
  batchSize?: number;
  /** Calls in flight at once. @default 2 */
  concurrency?: number;
  /** Pause after each call, per worker, to stay under rate limits. @default 0 */
  pauseMs?: number;
  /** Called after each call with running totals. */
  onProgress?: (progress: BulkProgress) => void;
  /** Stops starting new calls when aborted; calls in flight finish. */
  signal?: AbortSignal;
}

export interface BulkProgress {
  total: number;
  done: number;
  succeeded: number;
  failed: number;
}

export interface BulkResult {
  /** Ids approved (or rejected), in the order the calls answered. */
  succeeded: string[];
  failed: FailedJoinRequest[];
  /** Per-code summaries, merged across calls. */
  errors: ItemError[];
  calls: number;
}

export class BulkDecisionError extends Error {
  override name = 'BulkDecisionError';
  readonly partial: BulkResult;
  constructor(cause: unknown, partial: BulkResult) {
    super(
      `bulk decision stopped after ${partial.calls} calls: ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        cause,
      },
    );
    this.partial = partial;
  }
}

export interface DecisionAnswer {
  succeeded: string[];
  failed: FailedJoinRequest[] | undefined;
  errors: ItemError[] | undefined;
}

export async function decideInBatches(
  ids: readonly string[],
  decideBatch: (batch: string[]) => Promise<DecisionAnswer>,
  maxPerCall: number,
  options: BulkOptions = {},
): Promise<BulkResult> {
  const unique = [...new Set(ids)];
  const size = Math.min(Math.max(1, options.batchSize ?? 100), maxPerCall);
  const batches: string[][] = [];
  for (let i = 0; i < unique.length; i += size) batches.push(unique.slice(i, i + size));
  const result: BulkResult = { succeeded: [], failed: [], errors: [], calls: 0 };
  const progress: BulkProgress = { total: unique.length, done: 0, succeeded: 0, failed: 0 };
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined && options.signal?.aborted !== true) {
      const batch = batches[next++];
      if (batch === undefined) return;
      try {
        const answer = await decideBatch(batch);
        result.calls++;
        result.succeeded.push(...answer.succeeded);
        result.failed.push(...(answer.failed ?? []));
        mergeErrors(result.errors, answer.errors ?? []);
        progress.done += batch.length;
        progress.succeeded += answer.succeeded.length;
        progress.failed += answer.failed?.length ?? 0;
        options.onProgress?.({ ...progress });
      } catch (error) {
        failure ??= error;
        return;
      }
      if ((options.pauseMs ?? 0) > 0) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 2) }, worker));
  if (failure !== undefined) throw new BulkDecisionError(failure, result);
  return result;
}

/** One summary per code: counts in `error_data.details` are not summed, the first call's wording is kept. */
function mergeErrors(into: ItemError[], more: ItemError[]): void {
  for (const error of more) if (!into.some((e) => e.code === error.code)) into.push(error);
}
