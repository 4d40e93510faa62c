/**
 * @module config — the only module of Groupgate that reads process.env (eslint holds every other file of src/ to
 * it; test support and the benchmark read their own switches). Values are validated once, then frozen and passed
 * explicitly; CLI flags override the environment through the same `overrides` object.
 */
import { DEFAULT_MAX_PARTICIPANTS, MAX_GROUPS_PER_PHONE_NUMBER } from '@groupgate/sdk/contract';
import { WEBHOOK_FIELDS, type WebhookField } from '@groupgate/sdk/contract';
import { isIP } from 'node:net';
import { newAdminToken } from './domain/ids.js';
import { callbackUrlProblem } from './webhooks/callback-url.js';
import { parseAllowHosts } from './webhooks/callback-request.js';

/** Meta's 131208 threshold, which Meta does not publish: off unless set. */
export interface GroupRateLimit {
  operations: number;
  windowSeconds: number;
}

/** Parses `<operations>/<seconds>`, e.g. `30/60`. */
export function parseGroupRateLimit(raw: string): GroupRateLimit {
  const match = /^(\d+)\/(\d+)$/.exec(raw.trim());
  const operations = Number(match?.[1]);
  const windowSeconds = Number(match?.[2]);
  if (match === null || operations < 1 || windowSeconds < 1) {
    throw new Error(`a group rate limit is <operations>/<seconds>, e.g. 30/60; got "${raw}"`);
  }
  return { operations, windowSeconds };
}

export function parseWebhookFields(raw: string): WebhookField[] {
  const fields = raw
    .split(',')
    .map((field) => field.trim())
    .filter((field) => field !== '');
  for (const field of fields) {
    if (!(WEBHOOK_FIELDS as readonly string[]).includes(field)) {
      throw new Error(`unknown webhook field "${field}"; the fields are ${WEBHOOK_FIELDS.join(', ')}`);
    }
  }
  return fields as WebhookField[];
}

/**
 * The base paging links are built on: an http(s) origin, optionally with a path prefix (a proxy serving Groupgate
 * under /gg), without a trailing slash. Links append `/{version}/…` to it, so a query, a fragment or credentials
 * would end up in the middle of every link; they are refused.
 */
export function parsePublicUrl(raw: string): string {
  const problem = `the public URL (--public-url, GROUPGATE_PUBLIC_URL) must be an http(s) URL with a host and at most a path, no query, fragment or user:password@; got "${raw}"`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(problem);
  }
  const fine =
    (url.protocol === 'http:' || url.protocol === 'https:') &&
    url.hostname !== '' &&
    url.username === '' &&
    url.password === '' &&
    !/[?#]/.test(raw) &&
    // A scheme-relative slip ('http:/x') parses, but is not what was meant.
    /^https?:\/\/[^/]/i.test(raw);
  if (!fine) throw new Error(problem);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** proxy-addr's names for address ranges, which Fastify's trustProxy also takes. */
const PROXY_RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/**
 * Parses a comma-separated list of proxy addresses, CIDR ranges or range names (`loopback`, `linklocal`,
 * `uniquelocal`): the peers whose X-Forwarded-* headers are believed.
 */
export function parseTrustProxy(raw: string): string[] {
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  for (const entry of entries) {
    const [address = '', bits, extra] = entry.split('/');
    const family = isIP(address);
    const validBits = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
    if (!PROXY_RANGE_NAMES.includes(entry) && (family === 0 || !validBits || extra !== undefined)) {
      throw new Error(
        `a trusted proxy is an IP address, a CIDR range or one of ${PROXY_RANGE_NAMES.join(', ')}; got "${entry}"`,
      );
    }
  }
  if (entries.length === 0) throw new Error('--trust-proxy needs at least one address');
  return entries;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  /** @default 4004 (`GROUPGATE_PORT`); 0 picks a free port. */
  readonly port: number;
  /** @default '127.0.0.1' (`GROUPGATE_HOST`) */
  readonly host: string;
  /** SQLite file, or ':memory:'. @default 'groupgate.sqlite' (`GROUPGATE_DB`) */
  readonly databasePath: string;
  /**
   * PostgreSQL connection string; when set, state lives there instead of SQLite, and several instances may share
   * it. (`DATABASE_URL`) @example 'postgres://groupgate@db.internal:5432/groupgate'
   */
  readonly databaseUrl: string | undefined;
  /** PostgreSQL schema to create and use instead of `public`. (`GROUPGATE_DB_SCHEMA`) */
  readonly databaseSchema: string | undefined;
  /**
   * Base of the absolute `paging.next` / `paging.previous` URLs, e.g. `https://groupgate.example.com`.
   * Unset: taken from each request's Host header. (`GROUPGATE_PUBLIC_URL`)
   */
  readonly publicUrl: string | undefined;
  /**
   * Proxies whose X-Forwarded-For/-Host/-Proto are believed (addresses, CIDR ranges, `loopback`…); undefined:
   * none, and paging links use the request's own Host. (`GROUPGATE_TRUST_PROXY`, comma-separated)
   */
  readonly trustProxy: readonly string[] | undefined;
  /** Open connections held at once; past it, a new one is answered 503. @default 4096 (`GROUPGATE_MAX_CONNECTIONS`) */
  readonly maxConnections: number;
  /** Open connections from one client address. @default 1024 (`GROUPGATE_MAX_IP_CONNECTIONS`) */
  readonly maxConnectionsPerIp: number;
  /** A request's headers must arrive within this; else 408. @default 10000 (`GROUPGATE_HEADERS_TIMEOUT_MS`) */
  readonly headersTimeoutMs: number;
  /** A whole request, body included, must arrive within this; else 408. @default 15000 (`GROUPGATE_REQUEST_TIMEOUT_MS`) */
  readonly requestTimeoutMs: number;
  /** Guards the control API. Generated at start when unset. (`GROUPGATE_ADMIN_TOKEN`) */
  readonly adminToken: string;
  readonly adminTokenGenerated: boolean;
  /** Participants a group may hold, the business not counted. @default 8 (`GROUPGATE_MAX_PARTICIPANTS`) */
  readonly maxParticipants: number;
  /** @default 10000 (`GROUPGATE_MAX_GROUPS_PER_NUMBER`) */
  readonly maxGroupsPerPhoneNumber: number;
  /** @default 'warn' (`GROUPGATE_LOG_LEVEL`) */
  readonly logLevel: LogLevel;
  /** Create a demo business and group with pending join requests when the store is empty. @default false */
  readonly seedDemo: boolean;
  /**
   * A state document (JSON or YAML file, docs/state.md) that replaces the store's state at start, before the first
   * call is answered. (`GROUPGATE_SEED`)
   */
  readonly seedState: string | undefined;
  /**
   * Callback URL for every app without webhook settings of its own (those are set through the control API).
   * Verified with Meta's hub.challenge handshake at start. (`GROUPGATE_WEBHOOK_URL`)
   */
  readonly webhookUrl: string | undefined;
  /** Sent as `hub.verify_token` in that handshake. @default 'groupgate' (`GROUPGATE_WEBHOOK_VERIFY_TOKEN`) */
  readonly webhookVerifyToken: string;
  /** Fields the default callback receives. @default all four (`GROUPGATE_WEBHOOK_FIELDS`, comma-separated) */
  readonly webhookFields: readonly WebhookField[];
  /**
   * Host names callback URLs may point at (`*.example.com` for subdomains); undefined: any. For shared
   * deployments. (`GROUPGATE_WEBHOOK_ALLOW_HOSTS`, comma-separated)
   */
  readonly webhookAllowHosts: readonly string[] | undefined;
  /** Per delivery attempt. @default 10000 (`GROUPGATE_WEBHOOK_TIMEOUT_MS`) */
  readonly webhookTimeoutMs: number;
  /** Deliveries in flight at once, per instance. @default 8 (`GROUPGATE_WEBHOOK_CONCURRENCY`) */
  readonly webhookConcurrency: number;
  /** Backoff before the third attempt, doubling after. @default 10000 (`GROUPGATE_WEBHOOK_RETRY_BASE_MS`) */
  readonly webhookRetryBaseMs: number;
  /** Longest wait between attempts. @default 3600000 (`GROUPGATE_WEBHOOK_RETRY_MAX_MS`) */
  readonly webhookRetryMaxMs: number;
  /** How long an event is retried before it is dropped; Meta's is 7 days. (`GROUPGATE_WEBHOOK_RETRY_WINDOW_MS`) */
  readonly webhookRetryWindowMs: number;
  /** How often to look for events other instances queued. @default 1000 (`GROUPGATE_WEBHOOK_POLL_MS`) */
  readonly webhookPollMs: number;
  /** How long settled events stay in the delivery log. @default 7 days (`GROUPGATE_WEBHOOK_LOG_RETENTION_MS`) */
  readonly webhookLogRetentionMs: number;
  /**
   * Graph calls the request journal keeps (the newest; shared by every instance on PostgreSQL); 0 turns it off.
   * @default 10000 (`GROUPGATE_JOURNAL_SIZE`)
   */
  readonly journalSize: number;
  /** 131208 threshold per phone number and instance; undefined: off. (`GROUPGATE_GROUP_RATE_LIMIT`, e.g. 30/60) */
  readonly groupRateLimit: GroupRateLimit | undefined;
  /**
   * Whether Graph calls may ask for a fault with the `X-Groupgate-Fault` header. @default true
   * (`--no-fault-header`; `GROUPGATE_FAULT_HEADER=off`)
   */
  readonly faultHeader: boolean;
}

export type ConfigOverrides = Partial<{ -readonly [K in keyof Config]: Config[K] }>;

/** Trims, and treats a blank variable as unset. */
function readEnv(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function integer(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function optional<T>(raw: string | undefined, parse: (raw: string) => T): T | undefined {
  return raw === undefined ? undefined : parse(raw);
}

/**
 * The range of every numeric setting, whichever way it is given (environment, flag, `startGroupgate` option): one
 * table, so a flag cannot let through what the variable refuses.
 */
export const NUMERIC_BOUNDS = {
  port: [0, 65535],
  maxConnections: [1, 1_000_000],
  maxConnectionsPerIp: [1, 1_000_000],
  headersTimeoutMs: [100, 3_600_000],
  requestTimeoutMs: [100, 3_600_000],
  maxParticipants: [1, 100_000],
  maxGroupsPerPhoneNumber: [1, 10_000_000],
  webhookTimeoutMs: [0, 365 * 24 * 3_600_000],
  webhookConcurrency: [1, 1000],
  webhookRetryBaseMs: [0, 365 * 24 * 3_600_000],
  webhookRetryMaxMs: [0, 365 * 24 * 3_600_000],
  webhookRetryWindowMs: [0, 365 * 24 * 3_600_000],
  webhookPollMs: [0, 365 * 24 * 3_600_000],
  webhookLogRetentionMs: [0, 365 * 24 * 3_600_000],
  journalSize: [0, 10_000_000],
} as const satisfies Partial<Record<keyof Config, readonly [number, number]>>;

export type NumericSetting = keyof typeof NUMERIC_BOUNDS;

/** The environment variable each numeric setting is read from. */
export const NUMERIC_ENV_NAMES: Readonly<Record<NumericSetting, string>> = {
  port: 'GROUPGATE_PORT',
  maxConnections: 'GROUPGATE_MAX_CONNECTIONS',
  maxConnectionsPerIp: 'GROUPGATE_MAX_IP_CONNECTIONS',
  headersTimeoutMs: 'GROUPGATE_HEADERS_TIMEOUT_MS',
  requestTimeoutMs: 'GROUPGATE_REQUEST_TIMEOUT_MS',
  maxParticipants: 'GROUPGATE_MAX_PARTICIPANTS',
  maxGroupsPerPhoneNumber: 'GROUPGATE_MAX_GROUPS_PER_NUMBER',
  webhookTimeoutMs: 'GROUPGATE_WEBHOOK_TIMEOUT_MS',
  webhookConcurrency: 'GROUPGATE_WEBHOOK_CONCURRENCY',
  webhookRetryBaseMs: 'GROUPGATE_WEBHOOK_RETRY_BASE_MS',
  webhookRetryMaxMs: 'GROUPGATE_WEBHOOK_RETRY_MAX_MS',
  webhookRetryWindowMs: 'GROUPGATE_WEBHOOK_RETRY_WINDOW_MS',
  webhookPollMs: 'GROUPGATE_WEBHOOK_POLL_MS',
  webhookLogRetentionMs: 'GROUPGATE_WEBHOOK_LOG_RETENTION_MS',
  journalSize: 'GROUPGATE_JOURNAL_SIZE',
};

/** What each numeric setting is when neither a flag nor the environment sets it. */
export const NUMERIC_DEFAULTS: Readonly<Record<NumericSetting, number>> = {
  port: 4004,
  maxConnections: 4096,
  maxConnectionsPerIp: 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 15_000,
  maxParticipants: DEFAULT_MAX_PARTICIPANTS,
  maxGroupsPerPhoneNumber: MAX_GROUPS_PER_PHONE_NUMBER,
  webhookTimeoutMs: 10_000,
  webhookConcurrency: 8,
  webhookRetryBaseMs: 10_000,
  webhookRetryMaxMs: 3_600_000,
  webhookRetryWindowMs: 7 * 24 * 3_600_000,
  webhookPollMs: 1000,
  webhookLogRetentionMs: 7 * 24 * 3_600_000,
  journalSize: 10_000,
};

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadConfig(overrides: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const numeric = (key: NumericSetting): number => {
    const [min, max] = NUMERIC_BOUNDS[key];
    const override = overrides[key];
    if (override === undefined)
      return integer(
        NUMERIC_ENV_NAMES[key],
        readEnv(env, NUMERIC_ENV_NAMES[key]),
        NUMERIC_DEFAULTS[key],
        min,
        max,
      );
    return integer(key, String(override), NUMERIC_DEFAULTS[key], min, max);
  };
  // The environment's blank values read as unset; a blank flag or option is a mistake (`--host ''` would bind
  // every interface, `--db ''` open a throwaway store).
  for (const key of [
    'host',
    'databasePath',
    'databaseUrl',
    'databaseSchema',
    'webhookVerifyToken',
    'seedState',
  ] as const) {
    if (overrides[key]?.trim() === '') throw new Error(`${key} must not be blank`);
  }
  const logLevel = overrides.logLevel ?? readEnv(env, 'GROUPGATE_LOG_LEVEL') ?? 'warn';
  if (!LOG_LEVELS.includes(logLevel as LogLevel)) {
    throw new Error(
      `the log level (--log-level, GROUPGATE_LOG_LEVEL) must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`,
    );
  }
  const publicUrl = optional(overrides.publicUrl ?? readEnv(env, 'GROUPGATE_PUBLIC_URL'), parsePublicUrl);
  const adminToken = overrides.adminToken ?? readEnv(env, 'GROUPGATE_ADMIN_TOKEN');
  const webhookUrl = overrides.webhookUrl ?? readEnv(env, 'GROUPGATE_WEBHOOK_URL');
  const webhookUrlProblem = webhookUrl === undefined ? undefined : callbackUrlProblem(webhookUrl);
  if (webhookUrlProblem !== undefined) {
    throw new Error(`GROUPGATE_WEBHOOK_URL ${webhookUrlProblem}`);
  }
  const rateLimit = readEnv(env, 'GROUPGATE_GROUP_RATE_LIMIT');
  const faultHeader = readEnv(env, 'GROUPGATE_FAULT_HEADER')?.toLowerCase();
  if (faultHeader !== undefined && !['on', 'off', 'true', 'false', '1', '0'].includes(faultHeader)) {
    throw new Error(`GROUPGATE_FAULT_HEADER must be on or off, got "${faultHeader}"`);
  }
  const headersTimeoutMs = numeric('headersTimeoutMs');
  const requestTimeoutMs = numeric('requestTimeoutMs');
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new Error(
      `the header timeout (${headersTimeoutMs} ms) cannot be longer than the request timeout (${requestTimeoutMs} ms)`,
    );
  }
  return Object.freeze({
    port: numeric('port'),
    host: overrides.host ?? readEnv(env, 'GROUPGATE_HOST') ?? '127.0.0.1',
    databasePath: overrides.databasePath ?? readEnv(env, 'GROUPGATE_DB') ?? 'groupgate.sqlite',
    databaseUrl: overrides.databaseUrl ?? readEnv(env, 'DATABASE_URL'),
    databaseSchema: overrides.databaseSchema ?? readEnv(env, 'GROUPGATE_DB_SCHEMA'),
    publicUrl,
    trustProxy: overrides.trustProxy ?? optional(readEnv(env, 'GROUPGATE_TRUST_PROXY'), parseTrustProxy),
    maxConnections: numeric('maxConnections'),
    maxConnectionsPerIp: numeric('maxConnectionsPerIp'),
    headersTimeoutMs,
    requestTimeoutMs,
    adminToken: adminToken ?? newAdminToken(),
    adminTokenGenerated: adminToken === undefined,
    maxParticipants: numeric('maxParticipants'),
    maxGroupsPerPhoneNumber: numeric('maxGroupsPerPhoneNumber'),
    logLevel: logLevel as LogLevel,
    seedDemo: overrides.seedDemo ?? false,
    seedState: overrides.seedState ?? readEnv(env, 'GROUPGATE_SEED'),
    webhookUrl,
    webhookVerifyToken:
      overrides.webhookVerifyToken ?? readEnv(env, 'GROUPGATE_WEBHOOK_VERIFY_TOKEN') ?? 'groupgate',
    webhookFields: Object.freeze(
      overrides.webhookFields ??
        parseWebhookFields(readEnv(env, 'GROUPGATE_WEBHOOK_FIELDS') ?? WEBHOOK_FIELDS.join(',')),
    ),
    webhookAllowHosts:
      overrides.webhookAllowHosts ?? optional(readEnv(env, 'GROUPGATE_WEBHOOK_ALLOW_HOSTS'), parseAllowHosts),
    webhookTimeoutMs: numeric('webhookTimeoutMs'),
    webhookConcurrency: numeric('webhookConcurrency'),
    webhookRetryBaseMs: numeric('webhookRetryBaseMs'),
    webhookRetryMaxMs: numeric('webhookRetryMaxMs'),
    webhookRetryWindowMs: numeric('webhookRetryWindowMs'),
    webhookPollMs: numeric('webhookPollMs'),
    webhookLogRetentionMs: numeric('webhookLogRetentionMs'),
    journalSize: numeric('journalSize'),
    groupRateLimit:
      'groupRateLimit' in overrides
        ? overrides.groupRateLimit
        : rateLimit === undefined
          ? undefined
          : parseGroupRateLimit(rateLimit),
    faultHeader: overrides.faultHeader ?? !['off', 'false', '0'].includes(faultHeader ?? 'on'),
  });
}

/**
 * What the CLI's client commands (everything but `serve`) fall back on when a flag is not given. Read at each
 * call: these commands are one-shot, and the server's Config is not theirs.
 */
export interface ClientEnvironment {
  /** `GROUPGATE_BASE_URL` */
  readonly baseUrl: string | undefined;
  /** `WHATSAPP_ACCESS_TOKEN` */
  readonly accessToken: string | undefined;
  /** `GRAPH_API_VERSION` */
  readonly apiVersion: string | undefined;
  /** `WHATSAPP_PHONE_NUMBER_ID` */
  readonly phoneNumberId: string | undefined;
  /** `GROUPGATE_ADMIN_TOKEN`, the same variable the server reads. */
  readonly adminToken: string | undefined;
}

/**
 * Whether npm started this process (`npx`, `npm exec`, `npm start`): npm sets `npm_command` for what it runs. npm
 * runs it through `sh -c`, which dies of the SIGTERM npm forwards without passing it on.
 */
export function startedByNpm(env: NodeJS.ProcessEnv = process.env): boolean {
  return readEnv(env, 'npm_command') !== undefined;
}

export function clientEnvironment(env: NodeJS.ProcessEnv = process.env): ClientEnvironment {
  return {
    baseUrl: readEnv(env, 'GROUPGATE_BASE_URL'),
    accessToken: readEnv(env, 'WHATSAPP_ACCESS_TOKEN'),
    apiVersion: readEnv(env, 'GRAPH_API_VERSION'),
    phoneNumberId: readEnv(env, 'WHATSAPP_PHONE_NUMBER_ID'),
    adminToken: readEnv(env, 'GROUPGATE_ADMIN_TOKEN'),
  };
}
