/**
 * @module cli/commands/limits — `groupgate limits show | set`: a business's rate limits (Meta's 131208 group
 * operations, Graph's 80007 WABA and code-4 app call budgets) through Groupgate's control API, with the admin token.
 */
import {
  ControlClient,
  type BudgetState,
  type BusinessLimitsState,
  type RateLimitSetting,
  type SetBusinessLimitsBody,
} from '@groupgate/sdk';
import type { Command } from 'commander';
import { adminTokenOf, baseUrlOf, withControlOptions, type ApiFlags } from '../api-options.js';
import { print, printTable } from '../output.js';

const control = (flags: ApiFlags) =>
  new ControlClient({ baseUrl: baseUrlOf(flags), adminToken: adminTokenOf(flags) });

/** `30/60` (30 calls in any 60 seconds) or `off`. */
function setting(option: string, raw: string): RateLimitSetting | null {
  if (raw === 'off') return null;
  const match = /^(\d+)\/(\d+)$/.exec(raw);
  if (match === null) throw new Error(`${option} must be <max>/<seconds> (e.g. 30/60) or off, got "${raw}"`);
  return { max: Number(match[1]), per_seconds: Number(match[2]) };
}

function describeBudget(budget: BudgetState | null): string[] {
  if (budget === null) return ['off', '', ''];
  const regain =
    budget.regain_at === null ? '' : `, full until ${new Date(budget.regain_at * 1000).toISOString()}`;
  return [`${budget.max} per ${budget.per_seconds} s`, budget.set_by, `${budget.used}${regain}`];
}

function printState(flags: ApiFlags, state: BusinessLimitsState): void {
  print(flags, state, () =>
    printTable(
      [
        ['group_operations (131208)', ...describeBudget(state.group_operations)],
        ['waba_calls (80007)', ...describeBudget(state.waba_calls)],
        ['app_calls (4)', ...describeBudget(state.app_calls)],
      ],
      ['budget', 'limit', 'set by', 'used'],
    ),
  );
}

interface SetFlags extends ApiFlags {
  groupOperations?: string;
  wabaCalls?: string;
  appCalls?: string;
}

export function registerLimits(program: Command): void {
  const limits = program
    .command('limits')
    .description("A business's rate limits: group operations (131208), WABA calls (80007), app calls (4).");

  withControlOptions(
    limits
      .command('show <waba_id>')
      .description('The limits in force (off, or max per seconds) and their use now.'),
  )
    .addHelpText('after', '\nExample:\n  groupgate limits show 102290129340398 --json')
    .action(async (wabaId: string, flags: ApiFlags) => {
      printState(flags, await control(flags).limits(wabaId));
    });

  withControlOptions(
    limits
      .command('set <waba_id>')
      .description(
        "Replace the business's limits and start its windows afresh. Each is <max>/<seconds>, counted in a sliding window, or off; one not given takes the default (the server's --group-rate-limit for group operations, off for the others).",
      )
      .option('--group-operations <max/seconds|off>', "Meta's 131208: group operations from the phone number")
      .option('--waba-calls <max/seconds|off>', 'Graph calls, reads included, for the WABA (80007)')
      .option(
        '--app-calls <max/seconds|off>',
        "Graph calls, reads included, from the business's app (code 4)",
      ),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  groupgate limits set 102290129340398 --waba-calls 5/60 --group-operations 2/10\n  groupgate limits set 102290129340398 --group-operations off\n  groupgate limits set 102290129340398   (back to the defaults)',
    )
    .action(async (wabaId: string, flags: SetFlags) => {
      const body: SetBusinessLimitsBody = {};
      if (flags.groupOperations !== undefined)
        body.group_operations = setting('--group-operations', flags.groupOperations);
      if (flags.wabaCalls !== undefined) body.waba_calls = setting('--waba-calls', flags.wabaCalls);
      if (flags.appCalls !== undefined) body.app_calls = setting('--app-calls', flags.appCalls);
      printState(flags, await control(flags).setLimits(wabaId, body));
    });
}
