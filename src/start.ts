/**
 * @module start — `startGroupgate()`: a Groupgate server inside the caller's process, for test suites. A free port
 * of 127.0.0.1, a throwaway in-memory store, no demo data and no logs unless asked; the environment is not read,
 * so a suite runs the same on every machine. `close()` leaves nothing running: no socket, timer or thread.
 */
import { ControlClient } from '@groupgate/sdk';
import type { StateDocument } from '@groupgate/sdk/contract';
import { loadConfig, parseGroupRateLimit, type ConfigOverrides, type GroupRateLimit } from './config.js';
import { launch } from './launch.js';
import { seedDemo } from './server/control/demo-seed.js';

/**
 * The settings `groupgate serve` takes, by their Config names, with defaults for a test: `port` 0, `db`
 * ':memory:', `logLevel` 'silent', no demo. `adminToken` is generated when not given.
 */
export interface StartOptions extends Omit<
  ConfigOverrides,
  'databasePath' | 'adminTokenGenerated' | 'seedDemo' | 'groupRateLimit' | 'seedState'
> {
  /**
   * The state to start with (docs/state.md): a state document, or the path of a JSON or YAML file holding one.
   * It replaces whatever the store holds. @default none: an empty store
   */
  seed?: StateDocument | string;
  /** SQLite file, or ':memory:'. Ignored when `databaseUrl` (PostgreSQL) is given. @default ':memory:' */
  db?: string;
  /** Create the demo business and group `serve` prints. @default false */
  seedDemo?: boolean;
  /** 131208 past this many group operations per phone number: `{ operations, windowSeconds }` or '30/60'. */
  groupRateLimit?: GroupRateLimit | string;
}

export interface Groupgate {
  /** Where it listens, e.g. `http://127.0.0.1:38211`: the `baseUrl` for GroupsClient and the Graph API. */
  readonly url: string;
  /** Guards the control API under `${url}/_groupgate`. */
  readonly adminToken: string;
  /** The control API, bound to this server. */
  readonly control: ControlClient;
  /** Stops the server and closes its store. Safe to call more than once. */
  close(): Promise<void>;
}

export async function startGroupgate(options: StartOptions = {}): Promise<Groupgate> {
  const { db, groupRateLimit, seed, ...rest } = options;
  const overrides: ConfigOverrides = {
    port: 0,
    logLevel: 'silent',
    seedDemo: false,
    ...stripUndefined(rest),
    databasePath: db ?? ':memory:',
  };
  if (groupRateLimit !== undefined) {
    overrides.groupRateLimit =
      typeof groupRateLimit === 'string' ? parseGroupRateLimit(groupRateLimit) : groupRateLimit;
  }
  const config = loadConfig(overrides, {});
  const server = await launch(config, seed === undefined ? {} : { seed });
  try {
    if (config.seedDemo) {
      await seedDemo(
        server.store,
        server.app.virtualClock.nowSeconds(),
        config.maxGroupsPerPhoneNumber,
        config.maxParticipants,
      );
    }
  } catch (error) {
    await server.close();
    throw error;
  }
  const url = server.address.replace('://[::1]', '://localhost');
  return {
    url,
    adminToken: config.adminToken,
    control: new ControlClient({ baseUrl: url, adminToken: config.adminToken }),
    close: server.close,
  };
}

/** `{ port: undefined }` means "not given", as it would for a flag: the default applies. */
function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
