/**
 * The state document from the outside: `groupgate serve --seed FILE` and `groupgate state export | import` on the
 * built binary, and `startGroupgate({ seed })` with a document or a path.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { GroupsClient } from '@groupgate/sdk';
import type { StateDocument } from '@groupgate/sdk/contract';
import { startGroupgate } from '../../src/index.js';
import { REPO_ROOT } from '../../src/testing/shared-dir.js';

const BIN = join(REPO_ROOT, 'bin/groupgate.js');
const ADMIN = 'admin-token-for-the-seed-test';

const FIXTURE_YAML = `# A hand-written fixture: one business, one group, two people waiting.
groupgate_state: 1
businesses:
  - waba_id: "102290129340398"
    phone_number_id: "106540352242922"
    name: Book club Inc
    tokens:
      - token: EAAGseededtoken
    groups:
      - subject: Book club
        join_requests:
          - wa_id: "16505550001"
          - wa_id: "16505550002"
`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, GROUPGATE_ADMIN_TOKEN: ADMIN, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Starts `groupgate serve` and resolves with its URL once it listens. */
function serve(args: string[]): Promise<{ child: ChildProcess; url: string; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--db', ':memory:', ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GROUPGATE_ADMIN_TOKEN: ADMIN },
    });
    let output = '';
    const timer = setTimeout(() => reject(new Error(`no banner after 10 s:\n${output}`)), 10_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const url = /^Groupgate listening on (\S+)/m.exec(output)?.[1];
      if (url !== undefined && /\n.*Webhooks:.*\n/.test(output)) {
        clearTimeout(timer);
        resolve({ child, url, output });
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}:\n${output}`));
    });
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.on('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

async function pendingOf(url: string, token: string): Promise<string[]> {
  const graph = new GroupsClient({ baseUrl: url, accessToken: token, phoneNumberId: '106540352242922' });
  const groups = await graph.groups.list();
  const [group] = groups.data;
  assert.ok(group);
  return (await graph.joinRequests.list(group.id)).data.map((r) => r.wa_id ?? '');
}

describe('groupgate serve --seed and groupgate state', () => {
  const dir = mkdtempSync(join(tmpdir(), 'groupgate-state-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('starts from a YAML fixture, exports it, and imports a change back', async () => {
    const fixture = join(dir, 'fixture.yaml');
    writeFileSync(fixture, FIXTURE_YAML);
    const { child, url, output } = await serve(['--seed', fixture]);
    try {
      assert.match(output, /State: seeded from .*fixture\.yaml/);
      assert.doesNotMatch(output, /Demo business/, 'a seed implies --no-demo');
      assert.deepEqual(await pendingOf(url, 'EAAGseededtoken'), ['16505550001', '16505550002']);

      const env = { GROUPGATE_BASE_URL: url };
      const out = join(dir, 'export.json');
      const exported = await run(['state', 'export', '--out', out], env);
      assert.equal(exported.code, 0, exported.stderr);
      assert.match(exported.stderr, /tokens and app secrets/);
      assert.equal(statSync(out).mode & 0o777, 0o600, 'an export is readable by its owner only');
      const document = JSON.parse(readFileSync(out, 'utf8')) as StateDocument;
      assert.equal(document.businesses[0]?.tokens?.[0]?.token, 'EAAGseededtoken');

      const yaml = await run(['state', 'export', '--yaml', '--waba-id', '102290129340398'], env);
      assert.match(yaml.stdout, /^groupgate_state: 1$/m);

      const group = document.businesses[0]?.groups?.[0];
      assert.ok(group);
      group.join_requests = (group.join_requests ?? []).slice(1);
      writeFileSync(out, JSON.stringify(document));
      const imported = await run(['state', 'import', out], env);
      assert.equal(imported.code, 0, imported.stderr);
      assert.deepEqual(await pendingOf(url, 'EAAGseededtoken'), ['16505550002']);

      const bad = join(dir, 'bad.json');
      group.join_requests = [{ wa_id: 'nope' }];
      writeFileSync(bad, JSON.stringify(document));
      const refused = await run(['state', 'import', bad], env);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /businesses\[0\]\.groups\[0\]\.join_requests\[0\]\.wa_id/);
    } finally {
      assert.equal(await stop(child), 0);
    }
  });

  it('refuses to start from a bad seed, naming the field', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, FIXTURE_YAML.replace('"16505550002"', '"0"'));
    const result = await run(['serve', '--port', '0', '--db', ':memory:', '--seed', bad]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /businesses\[0\]\.groups\[0\]\.join_requests\[1\]\.wa_id/);
  });

  it('startGroupgate takes the seed as a document or a path', async () => {
    const path = join(dir, 'seed.yaml');
    writeFileSync(path, FIXTURE_YAML);
    const fromPath = await startGroupgate({ seed: path });
    let document: StateDocument;
    try {
      assert.deepEqual(await pendingOf(fromPath.url, 'EAAGseededtoken'), ['16505550001', '16505550002']);
      document = await fromPath.control.state.export();
    } finally {
      await fromPath.close();
    }
    const copy = structuredClone(document);
    const fromDocument = await startGroupgate({ seed: document });
    try {
      assert.deepEqual(document, copy, "the caller's document is left as it was");
      assert.deepEqual(await pendingOf(fromDocument.url, 'EAAGseededtoken'), ['16505550001', '16505550002']);
      const again = await fromDocument.control.state.export();
      assert.deepEqual({ ...again, exported_at: 0 }, { ...document, exported_at: 0 });
    } finally {
      await fromDocument.close();
    }
  });
});
