import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { isTransientStoreError } from './transient-errors.js';

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('transient store errors', () => {
  it('are the faults a retry can outlast, on either backend', () => {
    for (const error of [
      new Database.SqliteError('database or disk is full', 'SQLITE_FULL'),
      new Database.SqliteError('attempt to write a readonly database', 'SQLITE_READONLY'),
      new Database.SqliteError('disk I/O error', 'SQLITE_IOERR_WRITE'),
      new Database.SqliteError('database is locked', 'SQLITE_BUSY'),
      withCode('terminating connection due to administrator command', '57P01'),
      withCode('the database system is starting up', '57P03'),
      withCode('could not extend file: No space left on device', '53100'),
      withCode('sorry, too many clients already', '53300'),
      withCode('connection failure', '08006'),
      withCode('deadlock detected', '40P01'),
      withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
      new Error('Client has encountered a connection error and is not queryable'),
    ]) {
      assert.equal(isTransientStoreError(error), true, error.message);
    }
  });

  it('are not bugs, broken rules or anything that is not an error', () => {
    for (const error of [
      new Database.SqliteError('UNIQUE constraint failed', 'SQLITE_CONSTRAINT_UNIQUE'),
      new Database.SqliteError('no such table: groups', 'SQLITE_ERROR'),
      withCode('duplicate key value violates unique constraint', '23505'),
      withCode('syntax error at or near "SELEC"', '42601'),
      withCode('relation "groups" does not exist', '42P01'),
      new TypeError("Cannot read properties of undefined (reading 'pk')"),
      'Connection terminated unexpectedly',
      undefined,
    ]) {
      assert.equal(isTransientStoreError(error), false, String(error));
    }
  });
});
