/** @module contract/paging — Graph cursor pagination, as returned in `paging`. */

export interface Paging {
  cursors: { before: string; after: string };
  previous?: string;
  next?: string;
}
