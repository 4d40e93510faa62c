/**
 * @module cli/commands/serve — `groupgate serve`: opens the store, starts the server, and prints what a newcomer
 * needs to make a first call.
 */
import type { Command } from 'commander';
import {
  loadConfig,
  parseGroupRateLimit,
  parseTrustProxy,
  parseWebhookFields,
  startedByNpm,
  NUMERIC_BOUNDS,
  NUMERIC_DEFAULTS,
  NUMERIC_ENV_NAMES,
  type ConfigOverrides,
  type NumericSetting,
  type LogLevel,
} from '../../config.js';
import { parseAllowHosts } from '../../webhooks/callback-request.js';
import { launch } from '../../launch.js';
import { stopOnSignalOrOrphaned } from '../lifetime.js';
import { seedDemo } from '../../server/control/demo-seed.js';
import { describeLocation } from '../../storage/open-store.js';

export interface ServeFlags {
  port?: string;
  host?: string;
  db?: string;
  databaseUrl?: string;
  dbSchema?: string;
  publicUrl?: string;
  trustProxy?: string;
  maxConnections?: string;
  /** commander's camel case of --max-ip-connections. */
  maxIpConnections?: string;
  headersTimeout?: string;
  requestTimeout?: string;
  maxParticipants?: string;
  logLevel?: string;
  webhookUrl?: string;
  webhookVerifyToken?: string;
  webhookFields?: string;
  webhookAllowHosts?: string;
  webhookRetryWindow?: string;
  groupRateLimit?: string;
  journalSize?: string;
  seed?: string;
  demo: boolean;
  /** commander's `--no-fault-header`: false when given. */
  faultHeader?: boolean;
}

export function toOverrides(flags: ServeFlags): ConfigOverrides {
  const overrides: ConfigOverrides = { seedDemo: flags.demo };
  // Checked here against the same bounds loadConfig applies, so the message names the flag and its unit.
  const whole = (name: string, raw: string, key: NumericSetting, msPerUnit = 1): number => {
    const [min, max] = NUMERIC_BOUNDS[key].map((bound) => bound / msPerUnit);
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < (min ?? 0) || value > (max ?? 0)) {
      throw new Error(`--${name} must be a whole number from ${Math.ceil(min ?? 0)} to ${max}, got "${raw}"`);
    }
    return value * msPerUnit;
  };
  const text = (name: string, raw: string): string => {
    if (raw.trim() === '') throw new Error(`--${name} must not be blank`);
    return raw;
  };
  if (flags.port !== undefined) overrides.port = whole('port', flags.port, 'port');
  if (flags.host !== undefined) overrides.host = text('host', flags.host);
  if (flags.db !== undefined) overrides.databasePath = text('db', flags.db);
  if (flags.databaseUrl !== undefined) overrides.databaseUrl = text('database-url', flags.databaseUrl);
  if (flags.dbSchema !== undefined) overrides.databaseSchema = text('db-schema', flags.dbSchema);
  if (flags.publicUrl !== undefined) overrides.publicUrl = flags.publicUrl;
  if (flags.trustProxy !== undefined) overrides.trustProxy = parseTrustProxy(flags.trustProxy);
  if (flags.maxConnections !== undefined) {
    overrides.maxConnections = whole('max-connections', flags.maxConnections, 'maxConnections');
  }
  if (flags.maxIpConnections !== undefined) {
    overrides.maxConnectionsPerIp = whole(
      'max-ip-connections',
      flags.maxIpConnections,
      'maxConnectionsPerIp',
    );
  }
  if (flags.headersTimeout !== undefined) {
    overrides.headersTimeoutMs = whole('headers-timeout', flags.headersTimeout, 'headersTimeoutMs', 1000);
  }
  if (flags.requestTimeout !== undefined) {
    overrides.requestTimeoutMs = whole('request-timeout', flags.requestTimeout, 'requestTimeoutMs', 1000);
  }
  if (flags.maxParticipants !== undefined) {
    overrides.maxParticipants = whole('max-participants', flags.maxParticipants, 'maxParticipants');
  }
  if (flags.logLevel !== undefined) overrides.logLevel = flags.logLevel as LogLevel;
  if (flags.webhookUrl !== undefined) overrides.webhookUrl = flags.webhookUrl;
  if (flags.webhookVerifyToken !== undefined)
    overrides.webhookVerifyToken = text('webhook-verify-token', flags.webhookVerifyToken);
  if (flags.webhookFields !== undefined) overrides.webhookFields = parseWebhookFields(flags.webhookFields);
  if (flags.webhookAllowHosts !== undefined) {
    overrides.webhookAllowHosts = parseAllowHosts(flags.webhookAllowHosts);
  }
  if (flags.webhookRetryWindow !== undefined) {
    overrides.webhookRetryWindowMs = whole(
      'webhook-retry-window',
      flags.webhookRetryWindow,
      'webhookRetryWindowMs',
      1000,
    );
  }
  if (flags.journalSize !== undefined) {
    overrides.journalSize = whole('journal-size', flags.journalSize, 'journalSize');
  }
  if (flags.groupRateLimit !== undefined)
    overrides.groupRateLimit = parseGroupRateLimit(flags.groupRateLimit);
  if (flags.faultHeader === false) overrides.faultHeader = false;
  if (flags.seed !== undefined) {
    overrides.seedState = text('seed', flags.seed);
    // The seed is the state asked for: no demo business added to it.
    overrides.seedDemo = false;
  }
  return overrides;
}

export async function serve(flags: ServeFlags): Promise<void> {
  const startedAt = performance.now();
  const config = loadConfig(toOverrides(flags));
  const { app, store, address, close } = await launch(config);
  const base = config.publicUrl ?? address.replace('://[::1]', '://localhost');
  const lines = [
    `Groupgate listening on ${base}  (${describeLocation(config)}, ready in ${Math.round(performance.now() - startedAt)} ms)`,
    // A secret is printed only when Groupgate made it: one the operator set is theirs, and logs keep output.
    config.adminTokenGenerated
      ? `Admin token (control API at ${base}/_groupgate): ${config.adminToken}  (generated; set GROUPGATE_ADMIN_TOKEN to fix it)`
      : `Admin token (control API at ${base}/_groupgate): the one set in GROUPGATE_ADMIN_TOKEN (not printed)`,
    `Console: ${base}/console  (sign in with an access token and the phone number id)`,
    config.webhookUrl === undefined
      ? 'Webhooks: no default callback URL (set one per app: PUT /_groupgate/apps/{app_id}/webhook, or --webhook-url)'
      : `Webhooks: ${config.webhookFields.join(', ')} -> ${config.webhookUrl} (verified)`,
  ];
  // The clock is kept in the store: a restart on the same database keeps it, which had better not surprise anyone.
  const clock = app.virtualClock.reading();
  if (clock.frozen || clock.offset_seconds !== 0) {
    lines.push(
      `Clock: virtual, ${clock.now_iso}${clock.frozen ? ' (frozen)' : ` (${clock.offset_seconds} s ahead)`}; groupgate clock reset returns it to real time`,
    );
  }
  if (config.seedState !== undefined) lines.push(`State: seeded from ${config.seedState}`);
  // A seed is the state asked for, whether from --seed or GROUPGATE_SEED: no demo business is added to it.
  if (config.seedDemo && config.seedState === undefined) {
    const demo = await seedDemo(
      store,
      app.virtualClock.nowSeconds(),
      config.maxGroupsPerPhoneNumber,
      config.maxParticipants,
    );
    lines.push(
      `Demo business: WABA ${demo.business.wabaId}, phone number id ${demo.business.phoneNumberId} (${demo.business.displayPhoneNumber})`,
      `App:           ${demo.business.appId}, secret ${demo.business.appSecret} (signs X-Hub-Signature-256)`,
    );
    // The access token is a secret: printed once, where a newcomer copies it from, with the call that uses it.
    if (demo.group === undefined) {
      lines.push(`Access token:  ${demo.accessToken}`);
    } else {
      lines.push(
        `Demo group:    ${demo.group.groupId}${demo.createdNow ? '  (5 pending join requests)' : ''}`,
        '',
        "Try it with the demo business's access token:",
        `  TOKEN=${demo.accessToken}`,
        `  curl -H "Authorization: Bearer $TOKEN" ${base}/v23.0/${demo.group.groupId}/join_requests`,
      );
    }
  }
  process.stdout.write(lines.join('\n') + '\n');

  stopOnSignalOrOrphaned(close, (reason) => app.log.info({ reason }, 'shutting down'), startedByNpm());
}

/** Settings no flag takes, with their defaults; numbers come from the config's own table so the two cannot drift. */
const ENVIRONMENT_ONLY: readonly [NumericSetting, string][] = [
  ['maxGroupsPerPhoneNumber', "groups per business phone number; Meta's 131211 past it"],
  ['webhookTimeoutMs', 'ms per delivery attempt'],
  ['webhookConcurrency', 'deliveries in flight per instance'],
  ['webhookRetryBaseMs', 'ms of the first retry delay, doubling after'],
  ['webhookRetryMaxMs', 'longest ms between attempts'],
  ['webhookPollMs', 'ms between looks for events other instances queued'],
  ['webhookLogRetentionMs', 'ms settled deliveries stay in the log'],
];

function environmentHelp(): string {
  const rows: [string, string][] = [
    ['GROUPGATE_ADMIN_TOKEN', 'guards the control API (/_groupgate); default generated and printed at start'],
    ...ENVIRONMENT_ONLY.map(([key, what]): [string, string] => [
      NUMERIC_ENV_NAMES[key],
      `${what}; default ${NUMERIC_DEFAULTS[key]}`,
    ]),
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  return `
Environment (settings without a flag; each flag above also reads the variable it names):
${rows.map(([name, what]) => `  ${name.padEnd(width)}  ${what}`).join('\n')}`;
}

/** `run` is what the command does with its flags; `serve` unless a test looks at the flags themselves. */
export function registerServe(program: Command, run: (flags: ServeFlags) => Promise<void> = serve): void {
  program
    .command('serve')
    .description(
      'Start Groupgate: the Graph-compatible API under /{version}/… and the control API under /_groupgate.',
    )
    .option(
      '-p, --port <port>',
      `port to listen on; 0 picks a free one; default ${NUMERIC_DEFAULTS.port} (env GROUPGATE_PORT)`,
      undefined,
    )
    .option('--host <host>', 'interface to bind; default 127.0.0.1 (env GROUPGATE_HOST)', undefined)
    .option(
      '--db <path>',
      "SQLite file, or ':memory:' for a throwaway store; default groupgate.sqlite (env GROUPGATE_DB)",
      undefined,
    )
    .option(
      '--database-url <url>',
      'PostgreSQL connection string; several instances may share it; default none: SQLite (env DATABASE_URL)',
    )
    .option('--db-schema <name>', 'PostgreSQL schema to use; default public (env GROUPGATE_DB_SCHEMA)')
    .option(
      '--public-url <url>',
      "base of absolute paging URLs; default each request's Host (env GROUPGATE_PUBLIC_URL)",
      undefined,
    )
    .option(
      '--trust-proxy <addresses>',
      'comma-separated proxy addresses or CIDR ranges whose X-Forwarded-* headers are believed; default none (env GROUPGATE_TRUST_PROXY)',
    )
    .option(
      '--max-participants <n>',
      `participants per group, business not counted; default ${NUMERIC_DEFAULTS.maxParticipants} (env GROUPGATE_MAX_PARTICIPANTS)`,
    )
    .option(
      '--log-level <level>',
      'fatal|error|warn|info|debug|trace|silent; default warn (env GROUPGATE_LOG_LEVEL)',
    )
    .option(
      '--webhook-url <url>',
      'callback URL for apps without their own webhook settings; verified with the hub.challenge handshake; default none (env GROUPGATE_WEBHOOK_URL)',
    )
    .option(
      '--webhook-verify-token <token>',
      'hub.verify_token for that handshake; default groupgate (env GROUPGATE_WEBHOOK_VERIFY_TOKEN)',
    )
    .option(
      '--webhook-fields <list>',
      'comma-separated fields the default callback gets; default all four (env GROUPGATE_WEBHOOK_FIELDS)',
    )
    .option(
      '--webhook-allow-hosts <hosts>',
      'comma-separated host names callback URLs may point at (*.example.com for subdomains); default any (env GROUPGATE_WEBHOOK_ALLOW_HOSTS)',
    )
    .option(
      '--webhook-retry-window <seconds>',
      "how long failed deliveries are retried; default 7 days, Meta's (env GROUPGATE_WEBHOOK_RETRY_WINDOW_MS, in ms)",
    )
    .option(
      '--group-rate-limit <ops/seconds>',
      "answer 131208 past this many group operations per phone number in any window of so many seconds, e.g. 30/60; every business's default, which its own limits (PUT /_groupgate/businesses/{waba_id}/limits) override; default off (env GROUPGATE_GROUP_RATE_LIMIT)",
    )
    .option(
      '--journal-size <n>',
      `Graph calls the request journal keeps (GET /_groupgate/requests); 0 turns it off; default ${NUMERIC_DEFAULTS.journalSize} (env GROUPGATE_JOURNAL_SIZE)`,
    )
    .option(
      '--max-connections <n>',
      `open connections held at once; a new one past it is answered 503; default ${NUMERIC_DEFAULTS.maxConnections} (env GROUPGATE_MAX_CONNECTIONS)`,
    )
    .option(
      '--max-ip-connections <n>',
      `open connections from one client address; default ${NUMERIC_DEFAULTS.maxConnectionsPerIp} (env GROUPGATE_MAX_IP_CONNECTIONS)`,
    )
    .option(
      '--headers-timeout <seconds>',
      `a request's headers must arrive within this, else 408; default ${NUMERIC_DEFAULTS.headersTimeoutMs / 1000} (env GROUPGATE_HEADERS_TIMEOUT_MS, in ms)`,
    )
    .option(
      '--request-timeout <seconds>',
      `a whole request, body included, must arrive within this, else 408; default ${NUMERIC_DEFAULTS.requestTimeoutMs / 1000} (env GROUPGATE_REQUEST_TIMEOUT_MS, in ms)`,
    )
    .option(
      '--no-fault-header',
      'ignore the X-Groupgate-Fault header on Graph calls (fault rules of the control API still apply); read by default (env GROUPGATE_FAULT_HEADER=off)',
    )
    .option(
      '--seed <file>',
      'a state document (JSON or YAML, docs/state.md) that replaces the stored state at start; implies --no-demo; default none (env GROUPGATE_SEED)',
    )
    .option('--no-demo', 'do not create or print the demo business and group (created by default)')
    .addHelpText(
      'after',
      `
Examples:
  groupgate serve                         # http://127.0.0.1:4004, data in ./groupgate.sqlite
  groupgate serve --port 8080 --db :memory:
  groupgate serve --db :memory: --seed fixtures/state.yaml   # start from a fixture
  GROUPGATE_ADMIN_TOKEN=secret groupgate serve --no-demo
  groupgate serve --webhook-url http://localhost:3000/webhook --webhook-verify-token my-token
  DATABASE_URL=postgres://groupgate@db:5432/groupgate groupgate serve --host 0.0.0.0   # one of several instances`,
    )
    .addHelpText('after', environmentHelp())
    .action(async (flags: ServeFlags) => run(flags));
}
