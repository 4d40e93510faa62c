/**
 * @module cli/commands/join-requests — `groupgate join-requests list|approve|reject`: moderate a group's pending
 * requests from a terminal or a script. Approving or rejecting everything pending takes an explicit `--all`.
 */
import type { BulkResult, GroupsClient, JoinRequest } from '@groupgate/sdk';
import type { Command } from 'commander';
import { clientOf, withApiOptions, type ApiFlags } from '../api-options.js';
import { ago, print, printTable } from '../output.js';
import { progressBar } from '../progress.js';

interface ListFlags extends ApiFlags {
  group: string;
  limit?: string;
  after?: string;
  all?: boolean;
}

interface DecideFlags extends ApiFlags {
  group: string;
  all?: boolean;
  batchSize?: string;
  concurrency?: string;
}

function positive(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(raw)) throw new Error(`--${name} must be a positive whole number, got "${raw}"`);
  return Number(raw);
}

async function list(flags: ListFlags): Promise<void> {
  const sdk = await clientOf(flags);
  const limit = positive('limit', flags.limit);
  let requests: JoinRequest[];
  let next: string | undefined;
  if (flags.all === true) {
    requests = [];
    for await (const request of sdk.joinRequests.iterate(flags.group, { pageSize: limit ?? 1024 }))
      requests.push(request);
  } else {
    const page = await sdk.joinRequests.list(flags.group, {
      ...(limit !== undefined && { limit }),
      ...(flags.after !== undefined && { after: flags.after }),
    });
    requests = page.data;
    next = page.nextCursor;
  }
  print(flags, { data: requests, ...(next !== undefined && { next_cursor: next }) }, () => {
    if (requests.length === 0) {
      process.stdout.write('No pending join requests.\n');
      return;
    }
    printTable(
      // A user who hides their number has no wa_id: their username, or their BSUID, stands in.
      requests.map((r) => [
        r.join_request_id,
        r.wa_id ?? '-',
        r.username ?? r.user_id,
        ago(r.creation_timestamp),
      ]),
      ['JOIN REQUEST ID', 'WA ID', 'USER', 'WAITING'],
    );
    if (next !== undefined) process.stdout.write(`More: --after ${next}  (or --all)\n`);
  });
}

async function pendingIds(sdk: GroupsClient, group: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const request of sdk.joinRequests.iterate(group, { pageSize: 1024 }))
    ids.push(request.join_request_id);
  return ids;
}

const decide = (decision: 'approve' | 'reject') => async (ids: string[], flags: DecideFlags) => {
  if (flags.all === true && ids.length > 0) throw new Error('give ids or --all, not both');
  if (flags.all !== true && ids.length === 0) {
    throw new Error(`nothing to ${decision}: give join request ids, or --all for every pending request`);
  }
  const sdk = await clientOf(flags);
  const targets = flags.all === true ? await pendingIds(sdk, flags.group) : ids;
  const bar = await progressBar(targets.length, decision === 'approve' ? 'Approving' : 'Rejecting');
  const started = Date.now();
  const batchSize = positive('batch-size', flags.batchSize);
  const concurrency = positive('concurrency', flags.concurrency);
  let result: BulkResult;
  try {
    result = await sdk.joinRequests[decision === 'approve' ? 'approveMany' : 'rejectMany'](
      flags.group,
      targets,
      {
        ...(batchSize !== undefined && { batchSize }),
        ...(concurrency !== undefined && { concurrency }),
        onProgress: (p) => bar.update(p.done, { ok: p.succeeded, failed: p.failed }),
      },
    );
  } finally {
    bar.stop();
  }
  const seconds = (Date.now() - started) / 1000;
  const verb = decision === 'approve' ? 'approved' : 'rejected';
  print(
    flags,
    { [verb]: result.succeeded, failed: result.failed, errors: result.errors, calls: result.calls },
    () => {
      process.stdout.write(
        `${result.succeeded.length} ${verb}, ${result.failed.length} failed, of ${targets.length} in ${result.calls} calls (${seconds.toFixed(1)} s)\n`,
      );
      for (const failure of result.failed.slice(0, 20)) {
        const error = failure.errors[0];
        process.stdout.write(`  ${failure.join_request_id}: ${error?.message ?? 'failed'}\n`);
      }
      if (result.failed.length > 20)
        process.stdout.write(`  … and ${result.failed.length - 20} more (--json lists all)\n`);
    },
  );
  // A partial failure is a failure for scripts: they can read which ids from --json.
  if (result.failed.length > 0) process.exitCode = 2;
};

export function registerJoinRequests(program: Command): void {
  const command = program
    .command('join-requests')
    .description('List, approve and reject the pending join requests of a group.');

  withApiOptions(
    command
      .command('list')
      .description('Pending join requests, oldest first.')
      .requiredOption('-g, --group <group_id>', 'the group')
      .option('--limit <n>', 'requests per page (1-1024)')
      .option('--after <cursor>', 'the page after this cursor')
      .option('--all', 'every page'),
  )
    .addHelpText(
      'after',
      `
Examples:
  groupgate join-requests list --group Y2FwaV9…ZD --token EAAG…
  groupgate join-requests list --group Y2FwaV9…ZD --all --json | jq '.data[].wa_id'`,
    )
    .action(list);

  for (const decision of ['approve', 'reject'] as const) {
    withApiOptions(
      command
        .command(`${decision} [ids...]`)
        .description(
          `${decision === 'approve' ? 'Approve' : 'Reject'} join requests by id, or every pending one with --all, in batches with a progress bar.`,
        )
        .requiredOption('-g, --group <group_id>', 'the group')
        .option('--all', `${decision} every request pending now (never implied)`)
        .option('--batch-size <n>', 'ids per call (default 100, at most 1000)')
        .option('--concurrency <n>', 'calls in flight (default 2)'),
    )
      .addHelpText(
        'after',
        `
Exit codes: 0 all ${decision}d, 2 some failed (listed), 1 the command failed.
Examples:
  groupgate join-requests ${decision} --group Y2FwaV9…ZD MTY1MDU1NTAxMDE6… MTY1MDU1NTAxMDI6…
  groupgate join-requests ${decision} --group Y2FwaV9…ZD --all --batch-size 500`,
      )
      .action(decide(decision));
  }
}
