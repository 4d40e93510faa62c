/**
 * `groupgate serve`'s flags, parsed by the real commander program: every flag of the README's "Running it" table
 * reaches the config, and a bad value is refused with a message naming the flag.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { loadConfig, type Config } from '../../config.js';
import { REPO_ROOT } from '../../testing/shared-dir.js';
import { registerServe, toOverrides, type ServeFlags } from './serve.js';

/** The config `groupgate serve ARGS` would start with, the environment aside. */
async function configFor(args: string[]): Promise<Config> {
  const program = new Command().exitOverride();
  let config: Config | undefined;
  registerServe(program, async (flags: ServeFlags) => {
    config = loadConfig(toOverrides(flags), {});
  });
  await program.parseAsync(['serve', ...args], { from: 'user' });
  assert.ok(config !== undefined);
  return config;
}

/** Per flag: the arguments given and what the config must then hold. */
const REACHES: Readonly<Record<string, [string[], (config: Config) => void]>> = {
  '--port': [['--port', '4321'], (c) => assert.equal(c.port, 4321)],
  '--host': [['--host', '0.0.0.0'], (c) => assert.equal(c.host, '0.0.0.0')],
  '--db': [['--db', ':memory:'], (c) => assert.equal(c.databasePath, ':memory:')],
  '--database-url': [
    ['--database-url', 'postgres://gg@db:5432/gg'],
    (c) => assert.equal(c.databaseUrl, 'postgres://gg@db:5432/gg'),
  ],
  '--db-schema': [['--db-schema', 'tenant_a'], (c) => assert.equal(c.databaseSchema, 'tenant_a')],
  '--public-url': [
    ['--public-url', 'https://gg.example.com'],
    (c) => assert.equal(c.publicUrl, 'https://gg.example.com'),
  ],
  '--trust-proxy': [['--trust-proxy', '10.0.0.0/8'], (c) => assert.deepEqual(c.trustProxy, ['10.0.0.0/8'])],
  '--max-participants': [['--max-participants', '12'], (c) => assert.equal(c.maxParticipants, 12)],
  '--max-connections': [['--max-connections', '77'], (c) => assert.equal(c.maxConnections, 77)],
  '--max-ip-connections': [['--max-ip-connections', '7'], (c) => assert.equal(c.maxConnectionsPerIp, 7)],
  '--headers-timeout': [['--headers-timeout', '3'], (c) => assert.equal(c.headersTimeoutMs, 3000)],
  '--request-timeout': [['--request-timeout', '40'], (c) => assert.equal(c.requestTimeoutMs, 40_000)],
  '--log-level': [['--log-level', 'debug'], (c) => assert.equal(c.logLevel, 'debug')],
  '--webhook-url': [
    ['--webhook-url', 'http://localhost:3000/hook'],
    (c) => assert.equal(c.webhookUrl, 'http://localhost:3000/hook'),
  ],
  '--webhook-verify-token': [
    ['--webhook-verify-token', 'tok'],
    (c) => assert.equal(c.webhookVerifyToken, 'tok'),
  ],
  '--webhook-fields': [
    ['--webhook-fields', 'group_status_update'],
    (c) => assert.deepEqual(c.webhookFields, ['group_status_update']),
  ],
  '--webhook-allow-hosts': [
    ['--webhook-allow-hosts', 'localhost'],
    (c) => assert.deepEqual(c.webhookAllowHosts, ['localhost']),
  ],
  '--webhook-retry-window': [
    ['--webhook-retry-window', '60'],
    (c) => assert.equal(c.webhookRetryWindowMs, 60_000),
  ],
  '--group-rate-limit': [
    ['--group-rate-limit', '30/60'],
    (c) => assert.deepEqual(c.groupRateLimit, { operations: 30, windowSeconds: 60 }),
  ],
  '--no-demo': [['--no-demo'], (c) => assert.equal(c.seedDemo, false)],
  '--no-fault-header': [['--no-fault-header'], (c) => assert.equal(c.faultHeader, false)],
  '--journal-size': [['--journal-size', '0'], (c) => assert.equal(c.journalSize, 0)],
  '--seed': [
    ['--seed', 'fixture.yaml'],
    (c) => assert.deepEqual([c.seedState, c.seedDemo], ['fixture.yaml', false]),
  ],
};

/** The flags the README's "Running it" table lists. */
function documentedFlags(): string[] {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  return [...readme.matchAll(/^\| `(--[a-z-]+)`/gm)].map((match) => match[1] ?? '');
}

/** The settings the README's "Running it" table lists with no flag: the environment is the only way to set them. */
function environmentOnlySettings(): string[] {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  return [...readme.matchAll(/^\|\s+\| `(GROUPGATE_[A-Z_]+)`/gm)].map((match) => match[1] ?? '');
}

/** What `groupgate serve --help` prints, the text added after the options included. */
function serveHelp(): string {
  const program = new Command();
  registerServe(program, async () => {});
  const serve = program.commands.find((command) => command.name() === 'serve');
  assert.ok(serve !== undefined);
  let text = '';
  serve.configureOutput({ writeOut: (chunk) => (text += chunk) });
  serve.outputHelp();
  return text;
}

describe('groupgate serve --help', () => {
  it('lists every environment-only setting of the README under Environment, with its default', () => {
    const settings = environmentOnlySettings();
    assert.ok(settings.includes('GROUPGATE_ADMIN_TOKEN') && settings.length >= 7, settings.join(' '));
    const environment = serveHelp().split('\nEnvironment')[1] ?? '';
    for (const name of settings) assert.match(environment, new RegExp(`^  ${name} .*default`, 'm'), name);
  });

  it("gives each flag's default", () => {
    const options = serveHelp().split('\nOptions:')[1]?.split('\nExamples:')[0] ?? '';
    const described = options
      .split(/\n(?= {2}-)/)
      .filter((entry) => entry.trim() !== '' && !entry.includes('--help'));
    assert.ok(described.length >= 20);
    for (const entry of described) assert.match(entry, /default/, entry);
  });
});

describe('groupgate serve flags', () => {
  it('the README documents flags, and this test knows each of them', () => {
    const flags = documentedFlags();
    assert.ok(flags.length >= 20, `found only ${flags.join(' ')}`);
    assert.deepEqual(
      flags.filter((flag) => !(flag in REACHES)),
      [],
    );
  });

  for (const [flag, [args, check]] of Object.entries(REACHES)) {
    it(`${flag} reaches the config`, async () => check(await configFor(args)));
  }

  it('without --no-demo the demo is seeded', async () => {
    assert.equal((await configFor([])).seedDemo, true);
  });

  it('without --no-fault-header the header is read; GROUPGATE_FAULT_HEADER=off turns it off too', async () => {
    assert.equal((await configFor([])).faultHeader, true);
    assert.equal(loadConfig({}, { GROUPGATE_FAULT_HEADER: 'off' }).faultHeader, false);
    assert.equal(loadConfig({}, { GROUPGATE_FAULT_HEADER: 'on' }).faultHeader, true);
    assert.throws(
      () => loadConfig({}, { GROUPGATE_FAULT_HEADER: 'maybe' }),
      /GROUPGATE_FAULT_HEADER must be on or off/,
    );
  });

  const refused: [string, string][] = [
    ['--port', 'abc'],
    ['--port', '65536'],
    ['--max-connections', '0'],
    ['--max-connections', 'abc'],
    ['--max-ip-connections', '0'],
    ['--max-ip-connections', 'abc'],
    ['--max-ip-connections', '-1'],
    ['--max-participants', '0'],
    ['--headers-timeout', '0'],
    ['--request-timeout', '1.5'],
    ['--webhook-retry-window', 'x'],
    ['--log-level', 'loud'],
    ['--trust-proxy', 'nowhere'],
    ['--webhook-fields', 'nope'],
    ['--group-rate-limit', '0/60'],
    ['--public-url', 'http://x/p?q=1#f'],
    ['--host', ''],
    ['--db', ' '],
    ['--db-schema', ''],
    ['--webhook-verify-token', ''],
  ];
  for (const [flag, value] of refused) {
    it(`${flag} ${value} is refused with a message`, async () => {
      await assert.rejects(configFor([`${flag}=${value}`]), (error: Error) => {
        assert.match(error.message, new RegExp(`${flag.slice(2)}|log level|proxy|webhook field|rate limit`));
        return true;
      });
    });
  }
});
