/**
 * @module storage/transient-errors — which store failures are the world's fault and pass: the database restarting,
 * unreachable or out of room, a connection cut, a lock held too long. A call that meets one is answered with Graph's
 * transient "service temporarily unavailable" (code 2) and may be retried as it is; anything else is a bug.
 * Recognised by shape, so that neither driver is loaded to ask.
 */

/** SQLite result codes (primary or extended) a retry can outlast. */
const SQLITE_TRANSIENT = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|READONLY|CANTOPEN|NOMEM|PROTOCOL)(_|$)/;

/**
 * PostgreSQL SQLSTATEs: class 08 (connection exception), 53 (insufficient resources: disk full, out of memory, too
 * many connections), 57P01-57P05 (the server shutting down, crashed, starting up, idle-session timeout), 40001 and
 * 40P01 (serialization failure, deadlock: retry the transaction), 25006 (a read-only server: a standby, or a
 * failover under way), 55P03 (lock not available) and 57014 (statement cancelled by a timeout).
 */
const POSTGRES_TRANSIENT = /^(08...|53...|57P0[1-5]|40001|40P01|25006|55P03|57014)$/;

/** Socket and DNS failures on the way to a database server. */
const NETWORK_TRANSIENT = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** What node-postgres says, with no code, when a connection is lost, cannot be made in time, or was lost before. */
const POSTGRES_CONNECTION_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
  'Query read timeout',
];

export function isTransientStoreError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    return SQLITE_TRANSIENT.test(code) || POSTGRES_TRANSIENT.test(code) || NETWORK_TRANSIENT.has(code);
  }
  return POSTGRES_CONNECTION_MESSAGES.some((message) => error.message.startsWith(message));
}
