/**
 * @module storage/open-store — picks the backend from configuration: PostgreSQL when a connection string is given
 * (several instances can share it), otherwise embedded SQLite.
 */
import { openSqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

export interface StoreLocation {
  databasePath: string;
  databaseUrl: string | undefined;
  databaseSchema: string | undefined;
}

export async function openStore(location: StoreLocation): Promise<Store> {
  if (location.databaseUrl !== undefined) {
    // Loaded only when asked for: importing the PostgreSQL driver cost SQLite users start-up time (measured).
    const { openPostgresStore } = await import('./postgres/postgres-store.js');
    return openPostgresStore({
      connectionString: location.databaseUrl,
      ...(location.databaseSchema !== undefined && { schema: location.databaseSchema }),
    });
  }
  return openSqliteStore({ path: location.databasePath, cacheRecords: true, readWorker: true });
}

/** Where the state lives, for the start-up banner; never prints a credential. */
export function describeLocation(location: StoreLocation): string {
  if (location.databaseUrl === undefined) return `SQLite: ${location.databasePath}`;
  const schema = location.databaseSchema === undefined ? '' : ` (schema ${location.databaseSchema})`;
  return `PostgreSQL: ${redactConnectionString(location.databaseUrl)}${schema}`;
}

/** Connection parameters that carry a credential (libpq's `password`, `sslpassword`, and any `*secret*`/`*token*`). */
const CREDENTIAL_PARAMETER = /pass|secret|token/i;

/**
 * A PostgreSQL connection string with its credentials masked: the password of `user:password@` and every
 * credential parameter (`?password=`), in URL form or libpq's `key=value` form.
 */
export function redactConnectionString(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // libpq's `host=db password=secret` form, or nothing we can read: mask every credential-looking value.
    return raw.replace(/(\b\w*(?:pass|secret|token)\w*\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)/gi, '$1***');
  }
  if (url.password !== '') url.password = '***';
  for (const key of [...url.searchParams.keys()]) {
    if (CREDENTIAL_PARAMETER.test(key)) url.searchParams.set(key, '***');
  }
  // searchParams.set encodes the mask as %2A%2A%2A.
  return url.toString().replaceAll('%2A%2A%2A', '***');
}
