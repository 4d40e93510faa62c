/**
 * The user's path, from the packages to a passing suite: `npm pack` of the root and of packages/sdk, both tarballs
 * installed into an empty project on this Node (no engine warning, runtime dependencies only), a TypeScript suite
 * there type-checked against the installed types and run with startGroupgate, the control client, the Graph client
 * and the webhook receiver; then `npx groupgate serve`, stopped with SIGTERM as a test runner stops it.
 *
 * Needs `npm run build` first, as the other e2e tests: the tarballs are packed from dist/ without rebuilding.
 * Runtime dependencies come from the npm registry (or npm's cache). better-sqlite3 would download its prebuilt
 * binary from GitHub, or compile for about 80 s where it cannot; the test hands it the binary this checkout
 * already built, as a local prebuild, so the install takes seconds.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT } from '../../src/testing/shared-dir.js';
import { stopsAnswering } from '../../src/testing/stops-answering.js';

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const NPX = process.platform === 'win32' ? 'npx.cmd' : 'npx';

interface Packed {
  filename: string;
  files: { path: string }[];
}

function pack(dir: string, destination: string): Packed {
  const out = execFileSync(NPM, ['pack', '--json', '--ignore-scripts', '--pack-destination', destination], {
    cwd: dir,
    encoding: 'utf8',
  });
  const [packed] = JSON.parse(out) as Packed[];
  assert.ok(packed, out);
  return packed;
}

/** The binary this checkout built, where prebuild-install looks for a local prebuild before downloading. */
function localPrebuild(into: string): void {
  const sqlite = join(REPO_ROOT, 'node_modules/better-sqlite3');
  const { version } = JSON.parse(readFileSync(join(sqlite, 'package.json'), 'utf8')) as { version: string };
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  execFileSync('tar', ['-czf', join(into, name), '-C', sqlite, 'build/Release/better_sqlite3.node']);
}

const SUITE = `
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startGroupgate, type Groupgate } from 'groupgate';
import { GroupsClient } from '@groupgate/sdk';
import { startWebhookReceiver, type WebhookReceiver } from '@groupgate/sdk/testing';

let groupgate: Groupgate;
let receiver: WebhookReceiver | undefined;
before(async () => {
  groupgate = await startGroupgate();
});
after(async () => {
  await receiver?.close();
  await groupgate.close();
});

test('a join request reaches the bot, which approves it', async () => {
  const { control } = groupgate;
  const business = await control.businesses.create({ name: 'Moderation bot' });
  receiver = await startWebhookReceiver({ appSecret: business.app_secret, verifyToken: 'bot' });
  await control.webhooks.set(business.app_id, { callback_url: receiver.url, verify_token: 'bot' });
  const group = await control.createGroup(business, { subject: 'Moderated', joinApprovalMode: 'approval_required' });
  const joined = await control.users.join('16505550100', group.inviteLink);
  const requested = await receiver.waitFor((e) => e.type === 'group_join_request_created');
  assert.equal(requested.groupId, group.groupId);

  const graph = new GroupsClient({ baseUrl: groupgate.url, accessToken: business.access_token });
  const pending = await graph.joinRequests.list(group.groupId);
  assert.deepEqual(pending.data.map((r) => r.join_request_id), [joined.join_request_id]);
  await graph.joinRequests.approve(group.groupId, pending.data.map((r) => r.join_request_id));

  const added = await receiver.waitFor((e) => e.type === 'group_participants_add');
  assert.deepEqual(added.type === 'group_participants_add' && added.added.map((p) => p.waId), ['16505550100']);
  const delivered = await control.waitForDelivery(
    (d) => d.type === 'group_participants_add' && d.state === 'delivered',
    { appId: business.app_id },
  );
  assert.equal(delivered.group_id, group.groupId);
  assert.deepEqual((await control.groups.get(group.groupId)).participants, ['16505550100']);
});
`;

describe('the packed packages, installed into an empty project', () => {
  const dir = mkdtempSync(join(tmpdir(), 'groupgate-install-'));
  const project = join(dir, 'project');
  let root: Packed;
  let sdk: Packed;
  let install: { status: number | null; output: string; ms: number };

  before(() => {
    assert.ok(existsSync(join(REPO_ROOT, 'dist/index.js')), 'run `npm run build` first');
    const packs = join(dir, 'packs');
    mkdirSync(packs);
    mkdirSync(project);
    root = pack(REPO_ROOT, packs);
    sdk = pack(join(REPO_ROOT, 'packages/sdk'), packs);
    const prebuilds = join(dir, 'prebuilds');
    mkdirSync(prebuilds);
    localPrebuild(prebuilds);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'bot-tests', private: true, type: 'module' }),
    );
    writeFileSync(join(project, '.prebuild-installrc'), `local-prebuilds=${prebuilds}\n`);
    const started = Date.now();
    const run = spawnSync(
      NPM,
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        join(packs, root.filename),
        join(packs, sdk.filename),
      ],
      { cwd: project, encoding: 'utf8' },
    );
    install = { status: run.status, output: `${run.stdout}${run.stderr}`, ms: Date.now() - started };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('packs what an installed copy runs and nothing to build it or test it', () => {
    const paths = (packed: Packed) => packed.files.map((file) => file.path);
    for (const path of [
      'bin/groupgate.js',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/cli/main.js',
      'package.json',
    ]) {
      assert.ok(paths(root).includes(path), path);
    }
    for (const path of [
      'dist/index.js',
      'dist/control/index.d.ts',
      'dist/testing/index.js',
      'package.json',
    ]) {
      assert.ok(paths(sdk).includes(path), path);
    }
    for (const path of [...paths(root), ...paths(sdk)]) {
      assert.doesNotMatch(path, /^(src|test)\/|\.test\.|\/testing\/harness/, path);
    }
  });

  it('installs on this Node with no engine warning and runtime dependencies only', (t) => {
    t.diagnostic(`npm install took ${install.ms} ms`);
    assert.equal(install.status, 0, install.output);
    assert.doesNotMatch(install.output, /EBADENGINE/);
    for (const tool of ['typescript', 'tsx', 'eslint', 'prettier', 'autocannon', 'playwright-core']) {
      assert.equal(existsSync(join(project, 'node_modules', tool)), false, `${tool} is not installed`);
    }
  });

  it('type-checks and passes a suite built on startGroupgate, the control client and the receiver', () => {
    writeFileSync(join(project, 'suite.test.ts'), SUITE);
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          skipLibCheck: false,
          outDir: 'out',
          // The project installs no tooling of its own: TypeScript and Node's types come from this checkout.
          typeRoots: [join(REPO_ROOT, 'node_modules/@types')],
          types: ['node'],
        },
        include: ['suite.test.ts'],
      }),
    );
    const tsc = spawnSync(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', '.'], {
      cwd: project,
      encoding: 'utf8',
    });
    assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
    // Without this runner's NODE_TEST_CONTEXT, the child reports for itself instead of to this runner.
    const env = { ...process.env };
    delete env['NODE_TEST_CONTEXT'];
    const suite = spawnSync(process.execPath, ['--test', '--test-reporter=tap', 'out/suite.test.js'], {
      cwd: project,
      env,
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(suite.status, 0, suite.stdout + suite.stderr);
    assert.match(suite.stdout, /# pass 1/);
  });

  it('runs `npx groupgate serve` with its console, and it stops when npx gets SIGTERM', async () => {
    const npx = spawn(NPX, ['--no', 'groupgate', 'serve', '--port', '0', '--db', ':memory:', '--no-demo'], {
      cwd: project,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const url = await new Promise<string>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => reject(new Error(`no banner after 20 s:\n${output}`)), 20_000);
      npx.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const listening = /listening on (\S+)/.exec(output);
        if (listening?.[1] !== undefined) {
          clearTimeout(timer);
          resolve(listening[1]);
        }
      });
      npx.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      npx.on('exit', () => reject(new Error(`exited before listening:\n${output}`)));
    });
    assert.equal((await fetch(`${url}/_groupgate/health`)).status, 200);
    for (const path of [
      '/console',
      '/console/app/main.js',
      '/console/sdk/index.js',
      '/console/vendor/htm.js',
    ]) {
      assert.equal((await fetch(`${url}${path}`)).status, 200, `the console's ${path} ships in the packages`);
    }
    npx.stdout.destroy();
    npx.stderr.destroy();
    await new Promise((resolve) => {
      npx.removeAllListeners('exit');
      npx.on('exit', resolve);
      npx.kill('SIGTERM');
    });
    assert.equal(await stopsAnswering(url, 5000), true, 'the server stopped within 5 s of SIGTERM to npx');
  });
});
