/**
 * @module cli/commands/requests — `groupgate requests list|count|clear`: the request journal, the Graph calls the
 * server answered (refused ones too), tokens redacted. Groupgate's control API.
 */
import { ControlClient } from '@groupgate/sdk';
import type { RequestsFilter, RequestsQuery } from '@groupgate/sdk/contract';
import type { Command } from 'commander';
import { adminTokenOf, baseUrlOf, withControlOptions, type ApiFlags } from '../api-options.js';
import { print, printTable } from '../output.js';

const control = (flags: ApiFlags) =>
  new ControlClient({ baseUrl: baseUrlOf(flags), adminToken: adminTokenOf(flags) });

interface FilterFlags extends ApiFlags {
  waba?: string;
  phone?: string;
  group?: string;
  method?: string;
  edge?: string;
  status?: string;
  code?: string;
  since?: string;
}

function whole(name: string, raw: string): number {
  if (!/^\d+$/.test(raw)) throw new Error(`${name} must be a whole number, got "${raw}"`);
  return Number(raw);
}

/** `--since` as Unix milliseconds, an ISO date, or a duration back from now (`30s`, `5m`, `2h`). */
export function parseSince(raw: string, now = Date.now()): number {
  if (/^\d+$/.test(raw)) return Number(raw);
  const ago = /^(\d+)(s|m|h)$/.exec(raw);
  if (ago !== null)
    return now - Number(ago[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[ago[2] as 's' | 'm' | 'h'];
  const parsed = Date.parse(raw);
  if (Number.isNaN(parsed)) {
    throw new Error(`--since is Unix milliseconds, an ISO date or a duration such as 5m, got "${raw}"`);
  }
  return parsed;
}

function filterOf(flags: FilterFlags): RequestsFilter {
  // The server refuses a malformed value with a clear error; the CLI passes the rest on as typed.
  return {
    ...(flags.waba !== undefined && { waba_id: flags.waba }),
    ...(flags.phone !== undefined && { phone_number_id: flags.phone }),
    ...(flags.group !== undefined && { group_id: flags.group }),
    ...(flags.method !== undefined && { method: flags.method.toUpperCase() }),
    ...(flags.edge !== undefined && { edge: flags.edge }),
    ...(flags.status !== undefined && { status: whole('--status', flags.status) }),
    ...(flags.code !== undefined && { code: whole('--code', flags.code) }),
    ...(flags.since !== undefined && { since: parseSince(flags.since) }),
  };
}

function withFilters(command: Command): Command {
  return withControlOptions(
    command
      .option('--waba <waba_id>', 'only calls of this business')
      .option('--phone <phone_number_id>', 'only calls of this business phone number')
      .option('-g, --group <group_id>', 'only calls on this group')
      .option('--method <method>', 'GET | POST | DELETE, as served (a POST with method=DELETE is a DELETE)')
      .option('--edge <edge>', 'join_requests | groups | group | invite_link | participants')
      .option('--status <status>', 'only this HTTP status (0: no answer, a fault cut the connection)')
      .option('--code <code>', 'only this Graph error code (e.g. 190, 131208)')
      .option('--since <when>', 'Unix ms, an ISO date, or a duration back from now: 30s, 5m, 2h'),
  );
}

export function registerRequests(program: Command): void {
  const requests = program
    .command('requests')
    .description('The request journal: the Graph calls the server answered, newest first, tokens redacted.');

  withFilters(
    requests
      .command('list')
      .description('Recorded calls, newest first.')
      .option('--limit <n>', 'at most this many (1-500)', '20')
      .option('--after <cursor>', 'older than this cursor (paging.cursors.after of the previous page)'),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  groupgate requests list --group 1203… --method POST\n  groupgate requests list --code 190 --since 5m --json',
    )
    .action(async (flags: FilterFlags & { limit: string; after?: string }) => {
      const query: RequestsQuery = {
        ...filterOf(flags),
        limit: whole('--limit', flags.limit),
        ...(flags.after !== undefined && { after: flags.after }),
      };
      const page = await control(flags).requests(query);
      print(flags, page, () => {
        printTable(
          page.data.map((e) => [
            new Date(e.time).toISOString(),
            e.method,
            e.path,
            e.status,
            e.error_code === null
              ? ''
              : `${e.error_code}${e.error_subcode === null ? '' : `/${e.error_subcode}`}`,
            `${Math.round(e.duration_ms)} ms`,
            e.fault?.rule_id ?? '',
            e.fbtrace_id,
          ]),
          ['TIME', 'METHOD', 'PATH', 'STATUS', 'CODE', 'DURATION', 'FAULT', 'FBTRACE_ID'],
        );
        const after = page.paging.next === undefined ? undefined : page.paging.cursors?.after;
        if (after !== undefined) process.stdout.write(`More: --after ${after}\n`);
      });
    });

  withFilters(
    requests.command('count').description('How many recorded calls match: for scripted assertions.'),
  )
    .addHelpText(
      'after',
      '\nExample (exactly 3 approvals on a group):\n  test "$(groupgate requests count --group 1203… --method POST --edge join_requests --status 200)" = 3',
    )
    .action(async (flags: FilterFlags) => {
      const count = await control(flags).countRequests(filterOf(flags));
      print(flags, { count }, () => process.stdout.write(`${count}\n`));
    });

  withControlOptions(
    requests.command('clear').description('Empty the request journal (every instance shares it).'),
  ).action(async (flags: ApiFlags) => {
    const cleared = await control(flags).clearRequests();
    print(flags, cleared, () => process.stdout.write(`Cleared ${cleared.deleted} recorded calls\n`));
  });
}
