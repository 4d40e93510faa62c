/**
 * The load benchmark (run by hand: `npm run bench`; figures go to docs/performance.md). In one run it measures
 * a bare node:http server (the ceiling) and Groupgate on a seeded SQLite file, each in its own process, driven by
 * autocannon from this process:
 *   - GET the first page of a random group's join requests, and the 10,000th page of a deep group;
 *   - POST approvals of 10 ids (each call approves 10 distinct pending requests);
 *   - cold start to first answer, and the server's resident memory after the load.
 * Environment: BENCH_TOTAL (1000000), BENCH_GROUPS (10000), BENCH_SECONDS (10), BENCH_CONNECTIONS (50).
 */
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { encodeCursor } from '../src/domain/cursors.js';
import { seed } from './seed.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const TOTAL = Number(process.env['BENCH_TOTAL'] ?? 1_000_000);
const GROUPS = Number(process.env['BENCH_GROUPS'] ?? 10_000);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 10);
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 50);
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

interface LoadOptions extends autocannon.Options {
  /** Counts only the requests up to this moment (performance.now()), e.g. when the approval batches ran out. */
  countUntil?: () => { at: number; requests: number } | undefined;
}

async function load(name: string, options: LoadOptions): Promise<Load> {
  const { countUntil, ...autocannonOptions } = options;
  const started = performance.now();
  const result = await autocannon({ connections: CONNECTIONS, duration: SECONDS, ...autocannonOptions });
  const elapsed = (performance.now() - started) / 1000;
  const cut = countUntil?.();
  const line: Load = {
    name,
    // Total over elapsed time: autocannon's `average` is a mean of whole-second buckets. A listener on each
    // response would be exact but loads autocannon itself (it halved the ceiling's measured rate).
    rps: Math.round(
      cut === undefined ? result.requests.total / elapsed : cut.requests / ((cut.at - started) / 1000),
    ),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
  process.stdout.write(
    `${name}: ${line.rps} req/s, p50 ${line.p50} ms, p99 ${line.p99} ms, errors ${line.errors}, non-2xx ${line.non2xx}\n`,
  );
  return line;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'groupgate-bench-'));
  const db = join(dir, 'bench.sqlite');
  try {
    const seeded = await seed(db, TOTAL, GROUPS, DEEP_PAGES);

    // Keys for the 10,000th page of the deep group and the approval batches, read from the file directly.
    const raw = new Database(db, { readonly: true });
    const deepKey = raw
      .prepare(
        `SELECT seq FROM join_requests WHERE group_pk = ? AND status = 'pending' ORDER BY seq LIMIT 1 OFFSET ?`,
      )
      .pluck()
      .get(seeded.deep.pk, (DEEP_PAGES - 1) * 25 - 1) as number;
    const approvalIds = raw
      .prepare(
        `SELECT join_request_id, group_pk FROM join_requests WHERE group_pk != ? AND status = 'pending' ORDER BY group_pk, seq`,
      )
      .all(seeded.deep.pk) as { join_request_id: string; group_pk: number }[];
    raw.close();
    const groupIdByPk = new Map(seeded.shallow.map((g) => [g.pk, g.groupId]));
    const batches: { groupId: string; ids: string[] }[] = [];
    for (let i = 0; i + 10 <= approvalIds.length; i += 10) {
      const slice = approvalIds.slice(i, i + 10);
      if (slice[0]?.group_pk !== slice[9]?.group_pk) continue;
      batches.push({
        groupId: groupIdByPk.get(slice[0]?.group_pk ?? 0) ?? '',
        ids: slice.map((r) => r.join_request_id),
      });
    }

    const serveArgs = [
      'bin/groupgate.js',
      'serve',
      '--db',
      db,
      '--port',
      '0',
      '--no-demo',
      '--log-level',
      'warn',
    ];
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
      const probe = await startProcess(serveArgs, /listening on http:\/\/127\.0\.0\.1:(\d+)/);
      coldStarts.push(await firstAnswer(probe));
      await new Promise((resolve) => {
        probe.child.removeAllListeners('exit');
        probe.child.once('exit', resolve);
        probe.child.kill('SIGTERM');
      });
    }
    coldStarts.sort((a, b) => a - b);
    const coldStartMs = coldStarts[2] ?? 0;

    const server = await startProcess(
      [...serveArgs, '--max-participants', '1000000'],
      /listening on http:\/\/127\.0\.0\.1:(\d+)/,
    );
    await firstAnswer(server);
    const sample = await (
      await fetch(server.base + firstPageUrl(seeded.shallow[0]?.groupId ?? ''), { headers: auth })
    ).text();

    const baseline = await startProcess(
      ['bench/baseline-server.mjs', String(sample.length)],
      /listening (\d+)/,
    );
    const ceiling = await load('node:http ceiling', { url: baseline.base });
    baseline.child.kill();

    const groupIds = seeded.shallow.map((g) => g.groupId);
    const getFirst = await load('GET first page, random group', {
      url: server.base,
      headers: auth,
      requests: [
        {
          method: 'GET',
          setupRequest: (req) => ({
            ...req,
            path: firstPageUrl(groupIds[Math.floor(Math.random() * groupIds.length)] ?? ''),
          }),
        },
      ],
    });
    const deepFirst = await load('GET page 1 of the deep group', {
      url: server.base + firstPageUrl(seeded.deep.groupId),
      headers: auth,
    });
    const deepCursor = encodeCursor('join_requests', seeded.deep.groupNumber, deepKey);
    const deepLast = await load(`GET page ${DEEP_PAGES} of the deep group`, {
      url: `${server.base}${firstPageUrl(seeded.deep.groupId)}?after=${deepCursor}`,
      headers: auth,
    });
    let next = 0;
    // Only calls that approve ten pending requests count: once the batches run out, later calls would find
    // their ids decided (a cheaper path), so the rate is taken up to that moment.
    let exhaustedAt: number | undefined;
    const approve = await load('POST approve 10 ids', {
      countUntil: () =>
        exhaustedAt === undefined ? undefined : { at: exhaustedAt, requests: batches.length },
      url: server.base,
      headers: { ...auth, 'content-type': 'application/json' },
      requests: [
        {
          method: 'POST',
          setupRequest: (req) => {
            if (next === batches.length) exhaustedAt = performance.now();
            const batch = batches[next++ % batches.length];
            return {
              ...req,
              path: firstPageUrl(batch?.groupId ?? ''),
              body: JSON.stringify({ messaging_product: 'whatsapp', join_requests: batch?.ids ?? [] }),
            };
          },
        },
      ],
    });
    const memory = rssMb(server.child.pid ?? 0);
    server.child.kill('SIGTERM');
    const approvalsUsed = Math.min(next, batches.length);

    const pct = (x: number) => `${((x / ceiling.rps) * 100).toFixed(0)}%`;
    const rows = [ceiling, getFirst, deepFirst, deepLast, approve].map(
      (r) =>
        `| ${r.name} | ${r.rps} | ${r === ceiling ? '100%' : pct(r.rps)} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.non2xx} |`,
    );
    const report = [
      `Run ${new Date().toISOString()} on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}.`,
      `${TOTAL.toLocaleString('en')} join requests over ${GROUPS.toLocaleString('en')} groups (deep group: ${DEEP_PAGES.toLocaleString('en')}+ pages of 25); ${CONNECTIONS} connections, ${SECONDS} s per load; GET body ${sample.length} bytes.`,
      '',
      '| load | req/s | of ceiling | p50 ms | p99 ms | errors | non-2xx |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      ...rows,
      '',
      `Cold start to first answer: ${coldStartMs.toFixed(0)} ms (median of 5: ${coldStarts.map((ms) => ms.toFixed(0)).join(', ')}). Server RSS after the load: ${memory.rss.toFixed(0)} MB (peak ${memory.peak.toFixed(0)} MB). Approval batches used: ${approvalsUsed} of ${batches.length}${next > batches.length ? ' (all used: the approve rate counts calls until they ran out)' : ''}.`,
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
