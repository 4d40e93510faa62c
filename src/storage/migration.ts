/** @module storage/migration — one numbered, append-only schema step, as each backend keeps them. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}
