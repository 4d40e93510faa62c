/**
 * Drives one load with wrk, one thread, in its own process. autocannon ran inside the benchmark's own Node process
 * and spent more CPU than the server it loaded: on two cores it took the core the server needed and hid the ceiling.
 * wrk is C and event-driven; one thread saturates a Node server from a fraction of a core.
 *
 * Each load is a generated Lua script. Requests that vary (random groups, approval batches) are read from a file
 * of lines at start and formatted once, so that the request path costs wrk a table look-up. The script's `done`
 * prints one JSON line that this module parses.
 */
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface WrkLoad {
  /** Base URL, e.g. http://127.0.0.1:4004; `path` is appended when the load has no `requests`. */
  url: string;
  path?: string;
  headers?: Record<string, string>;
  /** Requests to send instead of one fixed GET, chosen at random (`pick: 'random'`) or in order, each once. */
  requests?: { method: 'GET' | 'POST'; path: string; body?: string }[];
  pick?: 'random' | 'in-order';
  connections: number;
  seconds: number;
}

export interface WrkResult {
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  /** Socket errors: connect, read, write and timeouts. */
  errors: number;
  /** Answers with a status of 400 or more. */
  non2xx: number;
  /** With `pick: 'in-order'`: how many requests were asked for past the end of the list (sent again from the top). */
  overrun: number;
}

/** Debian's wrk, installed when missing (the benchmark runs as root on these machines). */
export function ensureWrk(): void {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
  } catch (error) {
    // wrk --version exits 1 after printing its usage; only a missing binary throws ENOENT.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return;
    process.stdout.write('wrk is missing: installing Debian package wrk\n');
    execFileSync('apt-get', ['install', '-y', '-qq', 'wrk'], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  }
}

const lua = (value: string) => JSON.stringify(value); // a JSON string is a valid Lua string literal for ASCII

function script(load: WrkLoad, requestsFile: string | undefined): string {
  const headers = Object.entries(load.headers ?? {})
    .map(([name, value]) => `wrk.headers[${lua(name)}] = ${lua(value)}`)
    .join('\n');
  const requestPart =
    requestsFile === undefined
      ? ''
      : `
local requests = {}
-- In init, not at load: wrk adds the Host header to wrk.headers only once the thread is set up.
init = function(_)
  for line in io.lines(${lua(requestsFile)}) do
    local method, path, body = line:match("^(%u+)\\t([^\\t]*)\\t?(.*)$")
    local headers = {}
    for name, value in pairs(wrk.headers) do headers[name] = value end
    if body == "" then body = nil end
    requests[#requests + 1] = wrk.format(method, path, headers, body)
  end
end
local sent = 0
overrun = 0
request = function()
  sent = sent + 1
  ${
    load.pick === 'random'
      ? 'return requests[math.random(#requests)]'
      : 'if sent > #requests then overrun = overrun + 1 end\n  return requests[(sent - 1) % #requests + 1]'
  }
end`;
  return `${headers}
${requestPart}
local threads = {}
setup = function(thread) threads[#threads + 1] = thread end
done = function(summary, latency, _)
  local overran = 0
  for _, thread in ipairs(threads) do overran = overran + (tonumber(thread:get("overrun")) or 0) end
  local e = summary.errors
  io.write(string.format('WRK_RESULT {"requests":%d,"micros":%d,"p50":%d,"p99":%d,"errors":%d,"non2xx":%d,"overrun":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status, overran))
end
`;
}

/** Runs one load and resolves with wrk's own figures (latency in ms, rate over wrk's measured duration). */
export async function runWrk(load: WrkLoad, workDir: string, name: string): Promise<WrkResult> {
  const slug = name.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
  let requestsFile: string | undefined;
  if (load.requests !== undefined) {
    requestsFile = join(workDir, `${slug}.requests`);
    writeFileSync(
      requestsFile,
      load.requests
        .map((r) => `${r.method}\t${r.path}${r.body === undefined ? '' : `\t${r.body}`}`)
        .join('\n') + '\n',
    );
  }
  const scriptFile = join(workDir, `${slug}.lua`);
  writeFileSync(scriptFile, script(load, requestsFile));
  const target = load.requests === undefined ? load.url + (load.path ?? '/') : load.url;
  const args = [
    '-t1',
    `-c${load.connections}`,
    `-d${load.seconds}s`,
    '--timeout',
    '10s',
    '-s',
    scriptFile,
    target,
  ];
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`wrk exited ${code}: ${out}`))));
  });
  const line = /WRK_RESULT (\{.*\})/.exec(output)?.[1];
  if (line === undefined) throw new Error(`wrk printed no result: ${output}`);
  const raw = JSON.parse(line) as {
    requests: number;
    micros: number;
    p50: number;
    p99: number;
    errors: number;
    non2xx: number;
    overrun: number;
  };
  const seconds = raw.micros / 1e6;
  return {
    requests: raw.requests,
    seconds,
    rps: Math.round(raw.requests / seconds),
    p50: raw.p50 / 1000,
    p99: raw.p99 / 1000,
    errors: raw.errors,
    non2xx: raw.non2xx,
    overrun: raw.overrun,
  };
}
