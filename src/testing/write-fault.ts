/**
 * @module testing/write-fault — makes a store's database refuse writes to one table, as a full disk or a read-only
 * database refuses them, until lifted: a trigger, installed from a connection of the test's own, so the store meets
 * a real database error on its own connection. Deterministic where filling a disk or remounting it is not.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { TEST_DATABASE_URL } from './postgres.js';

export type FaultTarget = { kind: 'sqlite'; path: string } | { kind: 'postgres'; schema: string };

export interface WriteFault {
  /** From now on, every INSERT or UPDATE of `table` fails with `message` (and, on PostgreSQL, `sqlState`). */
  refuse(table: string, message: string, sqlState: string): Promise<void>;
  lift(): Promise<void>;
  close(): Promise<void>;
}

export function writeFault(target: FaultTarget): WriteFault {
  return target.kind === 'sqlite' ? sqliteWriteFault(target.path) : postgresWriteFault(target.schema);
}

function sqliteWriteFault(path: string): WriteFault {
  const db = new Database(path);
  const tables: string[] = [];
  return {
    refuse: async (table, message) => {
      for (const event of ['INSERT', 'UPDATE']) {
        db.exec(`CREATE TRIGGER write_fault_${event}_${table} BEFORE ${event} ON ${table}
                 BEGIN SELECT RAISE(ABORT, '${message.replace(/'/g, "''")}'); END`);
      }
      tables.push(table);
    },
    lift: async () => {
      for (const table of tables.splice(0)) {
        for (const event of ['INSERT', 'UPDATE']) db.exec(`DROP TRIGGER write_fault_${event}_${table}`);
      }
    },
    close: async () => {
      db.close();
    },
  };
}

function postgresWriteFault(schema: string): WriteFault {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, application_name: `${schema}_fault` });
  const connected = client.connect().then(() => client.query(`SET search_path = ${schema}`));
  const tables: string[] = [];
  return {
    refuse: async (table, message, sqlState) => {
      await connected;
      await client.query(`CREATE FUNCTION write_fault_${table}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '${message.replace(/'/g, "''")}' USING ERRCODE = '${sqlState}'; END $$`);
      await client.query(`CREATE TRIGGER write_fault BEFORE INSERT OR UPDATE ON ${table}
                          FOR EACH ROW EXECUTE FUNCTION write_fault_${table}()`);
      tables.push(table);
    },
    lift: async () => {
      for (const table of tables.splice(0)) {
        await client.query(`DROP TRIGGER write_fault ON ${table}`);
        await client.query(`DROP FUNCTION write_fault_${table}()`);
      }
    },
    close: async () => {
      await connected.catch(() => undefined);
      await client.end();
    },
  };
}
