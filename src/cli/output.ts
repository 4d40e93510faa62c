/**
 * @module cli/output — what commands print: tables for people, JSON for scripts (`--json`), errors on stderr with
 * Graph's message, code and trace id, and the exit code a script can test.
 */
import type { GraphApiError } from '@groupgate/sdk';

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Aligned columns, header first. */
export function printTable(rows: readonly (readonly (string | number)[])[], header: readonly string[]): void {
  const all = [header, ...rows].map((row) => row.map(String));
  const widths = header.map((_, i) => Math.max(...all.map((row) => row[i]?.length ?? 0)));
  for (const row of all) {
    process.stdout.write(
      `${row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd()}\n`,
    );
  }
}

export function print(flags: { json?: boolean }, json: unknown, human: () => void): void {
  if (flags.json === true) printJson(json);
  else human();
}

/** Duck-typed, so that printing an error does not load the SDK. */
function isGraphApiError(error: unknown): error is GraphApiError {
  return error instanceof Error && 'fbtraceId' in error && 'code' in error && 'status' in error;
}

/** One line for any failure; Graph errors keep their code and trace id, which Meta's support asks for. */
export function describeError(error: unknown): string {
  if (isGraphApiError(error)) {
    const subcode = error.subcode === undefined ? '' : `, subcode ${error.subcode}`;
    return `${error.message} (HTTP ${error.status}, code ${error.code}${subcode}, fbtrace_id ${error.fbtraceId})`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Seconds since a Unix timestamp, as people read waits. */
export function ago(unixSeconds: number, now = Date.now() / 1000): string {
  const seconds = Math.max(0, Math.round(now - unixSeconds));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86_400)
    return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(seconds / 86_400)}d`;
}
