/**
 * @module config — the only module that reads process.env. Values are validated once, then frozen and passed
 * explicitly; CLI flags override the environment through the same `overrides` object.
 */
import { DEFAULT_MAX_PARTICIPANTS, MAX_GROUPS_PER_PHONE_NUMBER } from './contract/limits.js';
import { newAdminToken } from './domain/ids.js';

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

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: ConfigOverrides = {}): Config {
  const logLevel = overrides.logLevel ?? readEnv(env, 'GROUPGATE_LOG_LEVEL') ?? 'warn';
  if (!LOG_LEVELS.includes(logLevel as LogLevel)) {
    throw new Error(`GROUPGATE_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const publicUrl = overrides.publicUrl ?? readEnv(env, 'GROUPGATE_PUBLIC_URL');
  if (publicUrl !== undefined && !/^https?:\/\/[^/]+/.test(publicUrl)) {
    throw new Error(`GROUPGATE_PUBLIC_URL must be an http(s) URL, got "${publicUrl}"`);
  }
  const adminToken = overrides.adminToken ?? readEnv(env, 'GROUPGATE_ADMIN_TOKEN');
  return Object.freeze({
    port: overrides.port ?? integer('GROUPGATE_PORT', readEnv(env, 'GROUPGATE_PORT'), 4004, 0, 65535),
    host: overrides.host ?? readEnv(env, 'GROUPGATE_HOST') ?? '127.0.0.1',
    databasePath: overrides.databasePath ?? readEnv(env, 'GROUPGATE_DB') ?? 'groupgate.sqlite',
    databaseUrl: overrides.databaseUrl ?? readEnv(env, 'DATABASE_URL'),
    databaseSchema: overrides.databaseSchema ?? readEnv(env, 'GROUPGATE_DB_SCHEMA'),
    publicUrl: publicUrl?.replace(/\/+$/, ''),
    adminToken: adminToken ?? newAdminToken(),
    adminTokenGenerated: adminToken === undefined,
    maxParticipants:
      overrides.maxParticipants ??
      integer(
        'GROUPGATE_MAX_PARTICIPANTS',
        readEnv(env, 'GROUPGATE_MAX_PARTICIPANTS'),
        DEFAULT_MAX_PARTICIPANTS,
        1,
        100_000,
      ),
    maxGroupsPerPhoneNumber:
      overrides.maxGroupsPerPhoneNumber ??
      integer(
        'GROUPGATE_MAX_GROUPS_PER_NUMBER',
        readEnv(env, 'GROUPGATE_MAX_GROUPS_PER_NUMBER'),
        MAX_GROUPS_PER_PHONE_NUMBER,
        1,
        10_000_000,
      ),
    logLevel: logLevel as LogLevel,
    seedDemo: overrides.seedDemo ?? false,
  });
}
