/**
 * @module cli/api-options — how every API command finds its server and credentials: flags first, then environment.
 * The same commands work against Groupgate (the default base URL) and graph.facebook.com.
 */
import type { GroupsClient } from '@groupgate/sdk';
import type { Command } from 'commander';
import { clientEnvironment } from '../config.js';

export const DEFAULT_BASE_URL = 'http://127.0.0.1:4004';

export interface ApiFlags {
  baseUrl?: string;
  token?: string;
  apiVersion?: string;
  adminToken?: string;
  json?: boolean;
}

/** Adds the connection flags to a command that calls the Graph API. */
export function withApiOptions(command: Command): Command {
  return command
    .option(
      '--base-url <url>',
      `Graph base URL: Groupgate or https://graph.facebook.com (env GROUPGATE_BASE_URL; default ${DEFAULT_BASE_URL})`,
    )
    .option('--token <token>', 'access token (env WHATSAPP_ACCESS_TOKEN)')
    .option('--api-version <version>', 'Graph API version (env GRAPH_API_VERSION; default v23.0)')
    .option('--json', 'print machine-readable JSON on stdout');
}

/** Adds the flags of a command that calls Groupgate's control API. */
export function withControlOptions(command: Command): Command {
  return command
    .option('--base-url <url>', `Groupgate base URL (env GROUPGATE_BASE_URL; default ${DEFAULT_BASE_URL})`)
    .option('--admin-token <token>', 'control API token (env GROUPGATE_ADMIN_TOKEN)')
    .option('--json', 'print machine-readable JSON on stdout');
}

export function baseUrlOf(flags: ApiFlags): string {
  return (flags.baseUrl ?? clientEnvironment().baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
}

export function accessTokenOf(flags: ApiFlags): string {
  const accessToken = flags.token ?? clientEnvironment().accessToken;
  if (accessToken === undefined || accessToken === '') {
    throw new Error('an access token is needed: --token <token> or WHATSAPP_ACCESS_TOKEN');
  }
  return accessToken;
}

/** The SDK is loaded here, on first use, not when `groupgate serve` starts. */
export async function clientOf(flags: ApiFlags, phoneNumberId?: string): Promise<GroupsClient> {
  const accessToken = accessTokenOf(flags);
  const apiVersion = flags.apiVersion ?? clientEnvironment().apiVersion;
  const { GroupsClient } = await import('@groupgate/sdk');
  return new GroupsClient({
    accessToken,
    baseUrl: baseUrlOf(flags),
    ...(apiVersion !== undefined && { apiVersion }),
    ...(phoneNumberId !== undefined && { phoneNumberId }),
  });
}

/** Whether the base URL is Meta's Graph API rather than a Groupgate: the control API and its token are Groupgate's. */
function isMeta(flags: ApiFlags): boolean {
  try {
    const host = new URL(baseUrlOf(flags)).hostname;
    return host === 'facebook.com' || host.endsWith('.facebook.com');
  } catch {
    return false;
  }
}

/**
 * The admin token when one is given and the base URL is a Groupgate; commands that can do more with it ask this.
 * Against Meta it is never used: a stray GROUPGATE_ADMIN_TOKEN must not be sent to graph.facebook.com.
 */
export function optionalAdminTokenOf(flags: ApiFlags): string | undefined {
  const token = flags.adminToken ?? clientEnvironment().adminToken;
  return token === '' || token === undefined || isMeta(flags) ? undefined : token;
}

export function adminTokenOf(flags: ApiFlags): string {
  if (isMeta(flags)) {
    throw new Error(`the control API is Groupgate's own; --base-url ${baseUrlOf(flags)} is Meta's Graph API`);
  }
  const token = optionalAdminTokenOf(flags);
  if (token === undefined) {
    throw new Error('the control API needs the admin token: --admin-token <token> or GROUPGATE_ADMIN_TOKEN');
  }
  return token;
}
