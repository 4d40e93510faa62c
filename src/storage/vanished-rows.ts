/**
 * @module storage/vanished-rows — a write that refers to a row a concurrent delete removed after the caller looked it
 * up: a business deleted (with its groups) while one of its calls was between reading its group and writing to it.
 * The foreign key finds nothing to point at and the write is rolled back whole; the caller is answered as if it had
 * never found the row (Graph's 100/33), not with a 500. Recognised by shape, so that neither driver is loaded to ask.
 */

/** SQLite's extended result code, PostgreSQL's SQLSTATE for foreign_key_violation. */
const VANISHED = new Set(['SQLITE_CONSTRAINT_FOREIGNKEY', '23503']);

export function isVanishedRowError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && VANISHED.has(code);
}
