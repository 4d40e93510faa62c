/** @module resources/pages — cursor pages as the SDK hands them out, and walking them. */
import type { Paging } from '../contract/index.js';

export interface PageQuery {
  /** Items per page. */
  limit?: number;
  after?: string;
  before?: string;
}

export interface Page<T> {
  data: T[];
  paging: Paging | undefined;
  /** Cursor of the next page, when Graph says there is one (`paging.next`). */
  nextCursor: string | undefined;
  /** Cursor of the previous page, when there is one. */
  previousCursor: string | undefined;
}

export function toPage<T>(data: T[], paging: Paging | undefined): Page<T> {
  return {
    data,
    paging,
    nextCursor: paging?.next !== undefined ? paging.cursors.after : undefined,
    previousCursor: paging?.previous !== undefined ? paging.cursors.before : undefined,
  };
}

/** Every item of every page, fetching the next page only when the caller gets to it. */
export async function* walk<T>(
  fetchPage: (after: string | undefined) => Promise<Page<T>>,
): AsyncGenerator<T, void, undefined> {
  let after: string | undefined;
  do {
    const page = await fetchPage(after);
    yield* page.data;
    after = page.nextCursor;
  } while (after !== undefined);
}
