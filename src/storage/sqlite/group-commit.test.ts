import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { GroupCommit } from './group-commit.js';

const dir = mkdtempSync(join(tmpdir(), 'groupgate-group-commit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function openDatabase(name: string): Database.Database {
  const db = new Database(join(dir, name));
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE notes (body TEXT NOT NULL)');
  return db;
}

function insertion(db: Database.Database) {
  const insert = db.prepare('INSERT INTO notes (body) VALUES (?)');
  return db.transaction((body: string) => insert.run(body).changes);
}

describe('a group commit', () => {
  it('fails only the operation that failed, when SQLite rolls back only its savepoint', async () => {
    const db = openDatabase('constraint.sqlite');
    const commit = new GroupCommit(db, insertion(db));
    const results = await Promise.allSettled([
      commit.run('a'),
      commit.run(null as unknown as string),
      commit.run('b'),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.deepEqual(db.prepare('SELECT body FROM notes ORDER BY rowid').pluck().all(), ['a', 'b']);
    db.close();
  });

  it('fails every operation, and applies none, when a full disk rolls the whole transaction back', async () => {
    const db = openDatabase('full.sqlite');
    const commit = new GroupCommit(db, insertion(db));
    // The database may not grow by more than two pages: the third note cannot be written, as on a full disk.
    db.pragma(`max_page_count = ${Number(db.pragma('page_count', { simple: true })) + 2}`);
    const results = await Promise.allSettled([
      commit.run('a'),
      commit.run('x'.repeat(20_000)),
      commit.run('b'),
    ]);
    assert.deepEqual(
      results.map((r) => (r.status === 'rejected' ? (r.reason as { code?: string }).code : r.status)),
      ['SQLITE_FULL', 'SQLITE_FULL', 'SQLITE_FULL'],
    );
    assert.deepEqual(db.prepare('SELECT body FROM notes').pluck().all(), [], 'nothing was applied');

    // Room again: the same operations go through.
    db.pragma('max_page_count = 1073741823');
    assert.deepEqual(await Promise.all([commit.run('a'), commit.run('b')]), [1, 1]);
    db.close();
  });
});
