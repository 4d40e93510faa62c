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

/** Where the state lives, for the start-up banner; never prints a password. */
export function describeLocation(location: StoreLocation): string {
  if (location.databaseUrl === undefined) return `SQLite: ${location.databasePath}`;
  const url = new URL(location.databaseUrl);
  url.password = url.password === '' ? '' : '***';
  return `PostgreSQL: ${url.toString()}${location.databaseSchema === undefined ? '' : ` (schema ${location.databaseSchema})`}`;
}
