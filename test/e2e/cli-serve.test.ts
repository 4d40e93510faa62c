/**
 * The README's promise, checked on the built binary: `groupgate serve` starts on SQLite, prints a token, a demo
 * group and a curl line, and that line works. Restarting over the same file finds the demo again.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { REPO_ROOT } from '../../src/testing/shared-dir.js';
import { stopsAnswering } from '../../src/testing/stops-answering.js';
import { startWebhookReceiver } from '@groupgate/sdk/testing';
import { onlyItem } from '../../src/testing/only-item.js';

const BIN = join(REPO_ROOT, 'bin/groupgate.js');

interface Started {
  child: ChildProcess;
  /** What it printed up to the banner's end. */
  output: string;
  /** Everything it printed so far, logs included. */
  printed: () => string;
}

/** Starts the CLI and resolves once it has printed its banner (up to the curl line, or the admin line). */
function start(args: string[], until: RegExp, env: Record<string, string> = {}): Promise<Started> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let output = '';
    const timer = setTimeout(() => reject(new Error(`no banner after 10 s:\n${output}`)), 10_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (until.test(output)) {
        clearTimeout(timer);
        resolve({ child, output, printed: () => output });
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}:\n${output}`));
    });
  });
}

/** The demo's access token and the URL of the banner's curl line, which uses it through $TOKEN. */
function tryCall(output: string): { token: string; url: string } {
  const [, token = '', url = ''] =
    /^ {2}TOKEN=(\S+)\n {2}curl -H "Authorization: Bearer \$TOKEN" (\S+)$/m.exec(output) ?? [];
  assert.ok(token !== '' && url !== '', output);
  return { token, url };
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.on('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

describe('groupgate serve', () => {
  const dir = mkdtempSync(join(tmpdir(), 'groupgate-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints a working curl line for the demo group, and exits cleanly on SIGTERM', async () => {
    const { child, output } = await start(['serve', '--port', '0', '--db', ':memory:'], /curl .*\n/);
    try {
      assert.match(output, /^Groupgate listening on http:\/\/127\.0\.0\.1:\d+/);
      assert.match(output, /Admin token \(control API at .*\): ggadmin_\w+/);
      const { token, url } = tryCall(output);
      assert.equal(output.split(token).length - 1, 1, 'the access token, a secret, is printed once');
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { data: { wa_id: string }[] };
      assert.equal(body.data.length, 5);
    } finally {
      assert.equal(await stop(child), 0);
    }
  });

  it('prints a secret only when it made it, and logs no token at info level', async () => {
    const adminToken = 'admin-token-set-by-the-operator';
    const { child, output, printed } = await start(
      ['serve', '--port', '0', '--db', ':memory:', '--log-level', 'info'],
      /curl .*\n/,
      { GROUPGATE_ADMIN_TOKEN: adminToken },
    );
    try {
      assert.doesNotMatch(output, new RegExp(adminToken));
      assert.match(
        output,
        /Admin token \(control API at .*\): the one set in GROUPGATE_ADMIN_TOKEN \(not printed\)/,
      );
      const { token, url } = tryCall(output);
      const origin = new URL(url).origin;
      const admin = { authorization: `Bearer ${adminToken}` };
      assert.equal((await fetch(`${url}?access_token=${token}`)).status, 200);
      assert.equal((await fetch(url, { headers: { authorization: `Bearer ${token}` } })).status, 200);
      assert.equal(
        (await fetch(`${origin}/_groupgate/tokens/${token}`, { method: 'DELETE', headers: admin })).status,
        200,
      );
      // A bad request that echoes its URL in an error.
      await fetch(`${origin}/v23.0/%zz?access_token=${token}`);
      // The token under other spellings the query parser and the router decode, and the operator's admin token.
      for (const query of ['access%5Ftoken', '%61ccess_token', 'access_token[]', 'access_token%5B0%5D']) {
        await fetch(`${url}?${query}=${token}`);
      }
      for (const path of ['_groupgate/%74okens', '%5Fgroupgate/tokens', '_groupgate/tokens/']) {
        await fetch(`${origin}/${path}/${adminToken}`, { method: 'DELETE', headers: admin });
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
      const logs = printed().slice(output.length);
      assert.match(logs, /incoming request/, 'info logs requests');
      assert.match(logs, /access_token=\[REDACTED\]/);
      assert.match(logs, /\/_groupgate\/tokens\/\[REDACTED\]/);
      assert.doesNotMatch(logs, new RegExp(token));
      assert.doesNotMatch(logs, new RegExp(adminToken));
    } finally {
      await stop(child);
    }
  });

  it('keeps state in the --db file and finds the demo group again on restart', async () => {
    const db = join(dir, 'kept.sqlite');
    const first = await start(['serve', '--port', '0', '--db', db], /curl .*\n/);
    const firstGroup = /Demo group:\s+(\S+)/.exec(first.output)?.[1];
    await stop(first.child);
    const second = await start(['serve', '--port', '0', '--db', db], /curl .*\n/);
    try {
      assert.equal(/Demo group:\s+(\S+)/.exec(second.output)?.[1], firstGroup);
      const { token, url } = tryCall(second.output);
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(((await res.json()) as { data: unknown[] }).data.length, 5, 'no second demo seeded');
    } finally {
      await stop(second.child);
    }
  });

  it('skips the demo with --no-demo and refuses a bad flag with a message and exit code 1', async () => {
    const { child, output } = await start(
      ['serve', '--port', '0', '--db', ':memory:', '--no-demo'],
      /Admin token.*\n/,
    );
    assert.doesNotMatch(output, /Demo group/);
    await stop(child);
    const bad = spawn(process.execPath, [BIN, 'serve', '--port', 'eighty'], { cwd: REPO_ROOT });
    let stderr = '';
    bad.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise((resolve) => bad.on('exit', resolve));
    assert.equal(code, 1);
    assert.match(stderr, /--port must be a whole number/);
  });

  it("sends the demo's webhooks to --webhook-url, signed with the printed app secret", async () => {
    const receiver = await startWebhookReceiver({ appSecret: 'not-known-yet', verifyToken: 'cli-token' });
    // Until the banner names the app secret, the receiver cannot check signatures: it asks for a retry.
    receiver.script(...Array<number>(100).fill(503));
    const { child, output } = await start(
      [
        'serve',
        '--port',
        '0',
        '--db',
        ':memory:',
        '--webhook-url',
        receiver.url,
        '--webhook-verify-token',
        'cli-token',
      ],
      /curl .*\n/,
      { GROUPGATE_WEBHOOK_RETRY_BASE_MS: '50' },
    );
    try {
      assert.match(
        output,
        /Webhooks: group_lifecycle_update, .* -> http:\/\/127\.0\.0\.1:\d+\/webhook \(verified\)/,
      );
      receiver.appSecret = /secret (\w+) \(signs X-Hub-Signature-256\)/.exec(output)?.[1] ?? '';
      receiver.clearScript();
      const webhooks = await receiver.waitForWebhooks(6, { timeout: 10_000 });
      assert.deepEqual(
        webhooks.map((w) => onlyItem(w).item['type']),
        ['group_create', ...Array<string>(5).fill('group_join_request_created')],
      );
    } finally {
      await stop(child);
      await receiver.close();
    }
  });

  it('refuses to start when --webhook-url does not answer the challenge', async () => {
    const receiver = await startWebhookReceiver({ appSecret: 's', verifyToken: 'expected-token' });
    try {
      const bad = spawn(
        process.execPath,
        [BIN, 'serve', '--port', '0', '--db', ':memory:', '--webhook-url', receiver.url],
        {
          cwd: REPO_ROOT,
        },
      );
      let stderr = '';
      bad.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise((resolve) => bad.on('exit', resolve));
      assert.equal(code, 1);
      assert.match(stderr, /couldn't be validated.*HTTP Status Code = 403/);
    } finally {
      await receiver.close();
    }
  });

  /** Starts serve through `sh -c`, as npm does, kills the shell, and says whether the server is still answering 2 s later. */
  async function answersAfterItsShellDies(env: NodeJS.ProcessEnv): Promise<boolean> {
    const shell = spawn(
      'sh',
      ['-c', `"${process.execPath}" "${BIN}" serve --port 0 --db :memory: --no-demo`],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env },
    );
    const url = await new Promise<string>((resolve, reject) => {
      let output = '';
      shell.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const listening = /listening on (\S+)/.exec(output);
        if (listening?.[1] !== undefined) resolve(listening[1]);
      });
      shell.on('exit', () => reject(new Error(`exited before listening:\n${output}`)));
    });
    assert.equal((await fetch(`${url}/_groupgate/health`)).status, 200);
    // The server's pid, to clean up; the test's pipes are let go so an orphan cannot hold it up.
    const server = Number(execFileSync('pgrep', ['-P', String(shell.pid)], { encoding: 'utf8' }).trim());
    shell.stdout.destroy();
    shell.stderr.destroy();
    await new Promise((resolve) => {
      shell.removeAllListeners('exit');
      shell.on('exit', resolve);
      shell.kill('SIGTERM');
    });
    const answering = !(await stopsAnswering(url, 2000));
    if (answering) process.kill(server, 'SIGKILL');
    return answering;
  }

  it('stops once the shell npx runs it through dies of SIGTERM, instead of living on as an orphan', async () => {
    // npx and npm run start the bin as npm → sh -c → node, marked with npm_command, and forward SIGTERM to sh only.
    const answering = await answersAfterItsShellDies({ ...process.env, npm_command: 'exec' });
    assert.equal(answering, false, 'the server stopped within 2 s of its parent shell');
  });

  it('outlives the shell that started it when npm did not (nohup, &): only the shell npm runs it through is watched', async () => {
    const withoutNpm = { ...process.env };
    delete withoutNpm['npm_command'];
    assert.equal(await answersAfterItsShellDies(withoutNpm), true, 'the server was still answering');
  });
});
