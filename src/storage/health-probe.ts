/**
 * @module storage/health-probe — what readiness asks of a store: answer a read and commit a write, now. The write
 * changes nothing (it sets a column of the newest migration's row to itself) but is a real, committed write, so it
 * fails as the calls' writes would: a read-only SQLite file, a PostgreSQL standby or read-only database, a
 * database that refuses connections. It cannot promise room for every later write: a disk that fills up is met by
 * the calls themselves, which answer a transient error until it is freed.
 */
export const HEALTH_PROBE_SQL = `UPDATE schema_migrations SET applied_at = applied_at
  WHERE version = (SELECT max(version) FROM schema_migrations)`;
