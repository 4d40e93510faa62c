/**
 * The load benchmark (run by hand: `npm run bench`; figures go to docs/performance.md). In one run it measures
 * a bare node:http server (the ceiling) and Groupgate on a seeded SQLite file, each in its own process, driven by
 * wrk (one thread) in a third process — see bench/wrk.ts for why not autocannon:
 *   - GET the first page of a random group's join requests, and the 10,000th page of a deep group;
 *   - POST approvals of 10 ids (each call approves 10 distinct pending requests);
 *   - cold start to first answer, and the server's resident memory after the load.
 * Environment: BENCH_TOTAL (1000000), BENCH_GROUPS (10000), BENCH_SECONDS (10), BENCH_CONNECTIONS (50),
 * BENCH_STORES (sqlite; `sqlite,postgres` for both side by side), BENCH_DATABASE_URL (the local PostgreSQL).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { encodeCursor } from '../src/domain/cursors.js';
import pg from 'pg';
import { PostgresStore } from '../src/storage/postgres/postgres-store.js';
import { seed, type Seeded } from './seed.js';
import { seedPostgres } from './seed-postgres.js';
import { ensureWrk, runWrk, type WrkLoad } from './wrk.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const TOTAL = Number(process.env['BENCH_TOTAL'] ?? 1_000_000);
const GROUPS = Number(process.env['BENCH_GROUPS'] ?? 10_000);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 10);
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 50);
/** Which stores to measure, side by side in one run: `sqlite`, `postgres`, or both. */
const STORES = (process.env['BENCH_STORES'] ?? 'sqlite').split(',').map((s) => s.trim());
const DATABASE_URL = process.env['BENCH_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
// 10,000 pages of 25 in the deep group, or as many as a quarter of a smaller run allows.
const DEEP_PAGES = Math.min(10_000, Math.floor(TOTAL / 4 / 25));
/** Every process this run starts, so that a failure never leaves one running (and the run hanging). */
const children: ChildProcess[] = [];

interface Running {
  child: ChildProcess;
  base: string;
}

function startProcess(args: string[], ready: RegExp): Promise<Running & { startedMs: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = ready.exec(out);
      if (match) resolve({ child, base: `http://127.0.0.1:${match[1]}`, startedMs: started });
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

function rssMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

interface Load {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

/** The load's settings less what every load shares (connections, duration). */
type LoadOptions = Omit<WrkLoad, 'connections' | 'seconds'>;

/** Where wrk's scripts and request lists go: the run's temporary folder. */
let workDir = '';

async function load(
  name: string,
  options: LoadOptions,
): Promise<Load & { requests: number; overrun: number }> {
  const result = await runWrk({ connections: CONNECTIONS, seconds: SECONDS, ...options }, workDir, name);
  const line = {
    name,
    rps: result.rps,
    p50: result.p50,
    p99: result.p99,
    errors: result.errors,
    non2xx: result.non2xx,
    requests: result.requests,
    overrun: result.overrun,
  };
  process.stdout.write(
    `${name}: ${line.rps} req/s, p50 ${line.p50} ms, p99 ${line.p99} ms, errors ${line.errors}, non-2xx ${line.non2xx}\n`,
  );
  return line;
}

interface Prepared {
  store: 'sqlite' | 'postgres';
  seeded: Seeded;
  serveArgs: string[];
  /** Key of the last request on the page before the deep group's last measured page. */
  deepKey: number;
  /** Pending requests outside the deep group, in group then creation order: the approval batches. */
  approvalRows: { join_request_id: string; group_pk: number }[];
  cleanup: () => Promise<void>;
}

// As bin/groupgate.js's shebang and `npm start` run it.
const SERVE = [
  '--max-semi-space-size=4',
  'bin/groupgate.js',
  'serve',
  '--port',
  '0',
  '--no-demo',
  '--log-level',
  'warn',
];
const DEEP_KEY_SQL = `SELECT seq FROM join_requests WHERE group_pk = $1 AND status = 'pending' ORDER BY seq LIMIT 1 OFFSET $2`;
const APPROVAL_SQL = `SELECT join_request_id, group_pk FROM join_requests WHERE group_pk != $1 AND status = 'pending'
  ORDER BY group_pk, seq`;

async function prepareSqlite(dir: string): Promise<Prepared> {
  const db = join(dir, 'bench.sqlite');
  const seeded = await seed(db, TOTAL, GROUPS, DEEP_PAGES);
  const raw = new Database(db, { readonly: true });
  const sqlite = (sql: string) => sql.replace(/\$\d/g, '?');
  const deepKey = raw
    .prepare(sqlite(DEEP_KEY_SQL))
    .pluck()
    .get(seeded.deep.pk, (DEEP_PAGES - 1) * 25 - 1) as number;
  const approvalRows = raw.prepare(sqlite(APPROVAL_SQL)).all(seeded.deep.pk) as Prepared['approvalRows'];
  raw.close();
  return {
    store: 'sqlite',
    seeded,
    serveArgs: [...SERVE, '--db', db],
    deepKey,
    approvalRows,
    cleanup: async () => undefined,
  };
}

async function preparePostgres(): Promise<Prepared> {
  const schema = `gg_bench_${process.pid}`;
  const seeded = await seedPostgres(DATABASE_URL, schema, TOTAL, GROUPS, DEEP_PAGES).catch(
    async (error: unknown) => {
      await PostgresStore.dropSchema(DATABASE_URL, schema);
      throw error;
    },
  );
  const client = new pg.Client({ connectionString: DATABASE_URL, options: `-c search_path=${schema}` });
  await client.connect();
  const deepKey = Number(
    (await client.query(DEEP_KEY_SQL, [seeded.deep.pk, (DEEP_PAGES - 1) * 25 - 1])).rows[0]?.seq,
  );
  const approvalRows = (await client.query(APPROVAL_SQL, [seeded.deep.pk])).rows.map((r) => ({
    join_request_id: String(r.join_request_id),
    group_pk: Number(r.group_pk),
  }));
  await client.end();
  return {
    store: 'postgres',
    seeded,
    serveArgs: [...SERVE, '--database-url', DATABASE_URL, '--db-schema', schema],
    deepKey,
    approvalRows,
    cleanup: () => PostgresStore.dropSchema(DATABASE_URL, schema),
  };
}

interface StoreResult {
  store: string;
  loads: Load[];
  coldStarts: number[];
  memory: { rss: number; peak: number };
  approvals: string;
  bodyBytes: number;
}

async function benchStore(
  prepared: Prepared,
  measureCeiling: (bodyBytes: number) => Promise<void>,
): Promise<StoreResult> {
  const { seeded } = prepared;
  const groupIdByPk = new Map(seeded.shallow.map((g) => [g.pk, g.groupId]));
  const batches: { groupId: string; ids: string[] }[] = [];
  for (let i = 0; i + 10 <= prepared.approvalRows.length; i += 10) {
    const slice = prepared.approvalRows.slice(i, i + 10);
    if (slice[0]?.group_pk !== slice[9]?.group_pk) continue;
    batches.push({
      groupId: groupIdByPk.get(slice[0]?.group_pk ?? 0) ?? '',
      ids: slice.map((r) => r.join_request_id),
    });
  }
  const auth = { authorization: `Bearer ${seeded.accessToken}` };
  const firstPageUrl = (groupId: string) => `/v23.0/${groupId}/join_requests`;
  const firstAnswer = async (running: Running & { startedMs: number }): Promise<number> => {
    // The poll pauses between tries so that it does not take the CPU the starting server needs.
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 3));
      const res = await fetch(running.base + firstPageUrl(seeded.deep.groupId), { headers: auth }).catch(
        () => undefined,
      );
      if (res?.ok) return performance.now() - running.startedMs;
    }
  };
  // Cold start, from spawn to the first answered Graph call: the median of five starts, one run being noisy here.
  const coldStarts: number[] = [];
  for (let i = 0; i < 5; i++) {
    const probe = await startProcess(prepared.serveArgs, /listening on http:\/\/127\.0\.0\.1:(\d+)/);
    coldStarts.push(await firstAnswer(probe));
    await stopProcess(probe.child);
  }
  coldStarts.sort((a, b) => a - b);

  const server = await startProcess(
    [...prepared.serveArgs, '--max-participants', '100000'],
    /listening on http:\/\/127\.0\.0\.1:(\d+)/,
  );
  await firstAnswer(server);
  const sample = await (
    await fetch(server.base + firstPageUrl(seeded.shallow[0]?.groupId ?? ''), { headers: auth })
  ).text();
  await measureCeiling(sample.length);

  const randomGroups: LoadOptions = {
    url: server.base,
    headers: auth,
    pick: 'random',
    requests: seeded.shallow.map((g) => ({ method: 'GET', path: firstPageUrl(g.groupId) })),
  };
  // Warm-up, not counted: the JIT, the page worker's start and the first reads of each group's record would
  // otherwise land in the first load's tail (its p99 was 15 ms against 6-7 ms once warm).
  await runWrk({ ...randomGroups, connections: CONNECTIONS, seconds: 3 }, workDir, 'warm-up');
  const loads = [
    await load(`${prepared.store}: GET first page, random group`, randomGroups),
    await load(`${prepared.store}: GET page 1 of the deep group`, {
      url: server.base,
      path: firstPageUrl(seeded.deep.groupId),
      headers: auth,
    }),
    await load(`${prepared.store}: GET page ${DEEP_PAGES} of the deep group`, {
      url: server.base,
      path: `${firstPageUrl(seeded.deep.groupId)}?after=${encodeCursor('join_requests', seeded.deep.groupNumber, prepared.deepKey)}`,
      headers: auth,
    }),
  ];
  // Each call approves ten distinct pending requests, in order. Past the end of the list wrk starts again from the
  // top, and those calls find their ids decided (a cheaper path): the report says so, and a larger BENCH_TOTAL
  // gives enough batches.
  const approvals = await load(`${prepared.store}: POST approve 10 ids`, {
    url: server.base,
    headers: { ...auth, 'content-type': 'application/json' },
    pick: 'in-order',
    requests: batches.map((batch) => ({
      method: 'POST',
      path: firstPageUrl(batch.groupId),
      body: JSON.stringify({ messaging_product: 'whatsapp', join_requests: batch.ids }),
    })),
  });
  loads.push(approvals);
  const memory = rssMb(server.child.pid ?? 0);
  // Gone before the caller drops its schema: a server still claiming webhooks would deadlock with the DROP.
  await stopProcess(server.child);
  return {
    store: prepared.store,
    loads,
    coldStarts,
    memory,
    approvals:
      approvals.overrun === 0
        ? `${approvals.requests} of ${batches.length}`
        : `all ${batches.length}, then ${approvals.overrun} calls on decided ids (raise BENCH_TOTAL: the rate is flattered)`,
    bodyBytes: sample.length,
  };
}

async function main(): Promise<void> {
  ensureWrk();
  const dir = mkdtempSync(join(tmpdir(), 'groupgate-bench-'));
  workDir = dir;
  const prepared: Prepared[] = [];
  try {
    let ceiling: Load | undefined;
    const measureCeiling = async (bodyBytes: number) => {
      if (ceiling !== undefined) return;
      const baseline = await startProcess(
        ['bench/baseline-server.mjs', String(bodyBytes)],
        /listening (\d+)/,
      );
      ceiling = await load('node:http ceiling', { url: baseline.base, path: '/' });
      baseline.child.kill();
    };
    const results: StoreResult[] = [];
    for (const store of STORES) {
      const ready = store === 'postgres' ? await preparePostgres() : await prepareSqlite(dir);
      prepared.push(ready);
      results.push(await benchStore(ready, measureCeiling));
      await ready.cleanup();
    }
    const top = ceiling as Load | undefined;
    if (top === undefined) throw new Error('no store was measured');
    const pct = (x: number) => `${((x / top.rps) * 100).toFixed(0)}%`;
    const row = (r: Load) =>
      `| ${r.name} | ${r.rps} | ${r === top ? '100%' : pct(r.rps)} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.non2xx} |`;
    const report = [
      `Run ${new Date().toISOString()} on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}.`,
      `${TOTAL.toLocaleString('en')} join requests over ${GROUPS.toLocaleString('en')} groups (deep group: ${DEEP_PAGES.toLocaleString('en')}+ pages of 25); ${CONNECTIONS} connections, ${SECONDS} s per load; GET body ${results[0]?.bodyBytes ?? 0} bytes.`,
      '',
      '| load | req/s | of ceiling | p50 ms | p99 ms | errors | non-2xx |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      row(top),
      ...results.flatMap((r) => r.loads.map(row)),
      '',
      ...results.map(
        (r) =>
          `${r.store}: cold start to first answer ${r.coldStarts[2]?.toFixed(0)} ms (median of 5: ${r.coldStarts.map((ms) => ms.toFixed(0)).join(', ')}); server RSS after the load ${r.memory.rss.toFixed(0)} MB (peak ${r.memory.peak.toFixed(0)} MB); approval batches used ${r.approvals}.`,
      ),
    ].join('\n');
    process.stdout.write('\n' + report + '\n');
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench/results/latest.md'), report + '\n');
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
