/**
 * @module cli/commands/faults — `groupgate faults add | list | remove <id> | clear`: the server's fault rules
 * through the control API (admin token). The rule is checked by the server, which names any bad field.
 */
import type { FaultMatch, FaultRule, FaultRuleBody } from '@groupgate/sdk/contract';
import { ControlClient } from '@groupgate/sdk';
import type { Command } from 'commander';
import { adminTokenOf, baseUrlOf, withControlOptions, type ApiFlags } from '../api-options.js';
import { print, printTable } from '../output.js';

const control = (flags: ApiFlags) =>
  new ControlClient({ baseUrl: baseUrlOf(flags), adminToken: adminTokenOf(flags) });

interface AddFlags extends ApiFlags {
  on?: string;
  method?: string;
  edge?: string;
  group?: string;
  waba?: string;
  phoneNumberId?: string;
  waId?: string;
  webhookField?: string;
  eventType?: string;
  error?: string;
  subcode?: string;
  httpStatus?: string;
  message?: string;
  delay?: string;
  network?: string;
  webhook?: string;
  times?: string;
  after?: string;
  probability?: string;
  seed?: string;
}

function whole(flag: string, raw: string): number {
  if (!/^\d+$/.test(raw)) throw new Error(`--${flag} must be a whole number, got "${raw}"`);
  return Number(raw);
}

/** The rule the flags describe; values the server checks are passed as given. */
export function ruleOf(flags: AddFlags): FaultRuleBody {
  const match: FaultMatch = {};
  if (flags.method !== undefined)
    match.method = flags.method.toUpperCase() as NonNullable<FaultMatch['method']>;
  if (flags.edge !== undefined) match.edge = flags.edge as NonNullable<FaultMatch['edge']>;
  if (flags.group !== undefined) match.group_id = flags.group;
  if (flags.waba !== undefined) match.waba_id = flags.waba;
  if (flags.phoneNumberId !== undefined) match.phone_number_id = flags.phoneNumberId;
  if (flags.waId !== undefined) match.wa_id = flags.waId;
  if (flags.webhookField !== undefined)
    match.webhook_field = flags.webhookField as NonNullable<FaultMatch['webhook_field']>;
  if (flags.eventType !== undefined) match.event_type = flags.eventType;
  const rule: FaultRuleBody = { match };
  if (flags.on !== undefined) rule.on = flags.on as NonNullable<FaultRuleBody['on']>;
  if (flags.error !== undefined) {
    rule.error = {
      code: whole('error', flags.error),
      ...(flags.subcode !== undefined && { error_subcode: whole('subcode', flags.subcode) }),
      ...(flags.httpStatus !== undefined && { http_status: whole('http-status', flags.httpStatus) }),
      ...(flags.message !== undefined && { message: flags.message }),
    };
  }
  if (flags.delay !== undefined) rule.delay_ms = whole('delay', flags.delay);
  if (flags.network !== undefined) rule.network = flags.network as NonNullable<FaultRuleBody['network']>;
  if (flags.webhook !== undefined) rule.webhook = flags.webhook as NonNullable<FaultRuleBody['webhook']>;
  if (flags.times !== undefined) rule.times = whole('times', flags.times);
  if (flags.after !== undefined) rule.after = whole('after', flags.after);
  if (flags.probability !== undefined) {
    const p = Number(flags.probability);
    if (flags.probability.trim() === '' || !Number.isFinite(p)) {
      throw new Error(`--probability must be a number from 0 to 1, got "${flags.probability}"`);
    }
    rule.probability = p;
  }
  if (flags.seed !== undefined) rule.seed = whole('seed', flags.seed);
  return rule;
}

function describeEffect({ effect }: FaultRule): string {
  if (effect.error !== undefined) {
    const sub = effect.error.error_subcode === undefined ? '' : `/${effect.error.error_subcode}`;
    return `error ${effect.error.code}${sub}`;
  }
  if (effect.network !== undefined) return `network ${effect.network}`;
  if (effect.webhook !== undefined) return `webhook ${effect.webhook}`;
  return `delay ${effect.delay_ms ?? 0} ms`;
}

function describeMatch(match: FaultMatch): string {
  const parts = Object.entries(match).map(([key, value]) => `${key}=${String(value)}`);
  return parts.length === 0 ? 'every call' : parts.join(' ');
}

export function registerFaults(program: Command): void {
  const faults = program
    .command('faults')
    .description(
      'Inject faults: make Graph calls fail, hang or lose their reply; duplicate or delay webhooks.',
    );

  withControlOptions(
    faults
      .command('add')
      .description('Add a fault rule: what it matches, one effect, and how often it fires.')
      .option('--on <graph|webhook>', 'what the rule acts on; default graph')
      .option('--method <GET|POST|DELETE>', 'graph: the method')
      .option('--edge <edge>', 'graph: join_requests, groups, group (the node), invite_link, participants')
      .option('--group <group_id>', 'the group')
      .option('--waba <waba_id>', 'the business')
      .option('--phone-number-id <id>', "the business's phone number")
      .option(
        '--wa-id <wa_id>',
        'graph: a user the call concerns (a join request decided, a participant removed)',
      )
      .option('--webhook-field <field>', 'webhook: the subscription field')
      .option('--event-type <type>', 'webhook: the groups[] item type, e.g. group_participants_add')
      .option('--error <code>', "graph: answer Meta's error with this code (e.g. 130429, 131000, 2)")
      .option('--subcode <n>', 'graph: with --error, the error_subcode (190 takes 460, 463, 467)')
      .option(
        '--http-status <n>',
        'graph: with --error, another HTTP status (required for a code Groupgate does not know)',
      )
      .option(
        '--message <text>',
        'graph: with --error, another message (required for a code Groupgate does not know)',
      )
      .option('--delay <ms>', 'hold the call (then run it), or send the webhook event this late')
      .option(
        '--network <reset|hang|drop_reply>',
        'graph: cut the connection; drop_reply after the call is committed',
      )
      .option(
        '--webhook <duplicate|timeout>',
        'webhook: send the event twice, or count an attempt as timed out',
      )
      .option('--times <n>', 'fire at most n times; default unlimited')
      .option('--after <n>', 'let the first n matches through')
      .option('--probability <p>', 'fire on a match with chance p (0-1)')
      .option('--seed <n>', 'seed of the random sequence, to replay a flaky run'),
  )
    .addHelpText(
      'after',
      `
Examples:
  groupgate faults add --error 130429 --edge join_requests --method POST --times 1
  groupgate faults add --network drop_reply --edge join_requests --method POST
  groupgate faults add --error 131000 --probability 0.3 --seed 42
  groupgate faults add --on webhook --event-type group_participants_add --webhook duplicate`,
    )
    .action(async (flags: AddFlags) => {
      const rule = await control(flags).addFault(ruleOf(flags));
      print(flags, rule, () =>
        process.stdout.write(`Added ${rule.id}: ${describeEffect(rule)} on ${describeMatch(rule.match)}\n`),
      );
    });

  withControlOptions(
    faults.command('list').description('The fault rules, with how often each fired.'),
  ).action(async (flags: ApiFlags) => {
    const rules = await control(flags).faults();
    print(flags, { data: rules }, () => {
      if (rules.length === 0) {
        process.stdout.write('No fault rules\n');
        return;
      }
      printTable(
        rules.map((rule) => [
          rule.id,
          rule.on,
          describeMatch(rule.match),
          describeEffect(rule),
          `${rule.hits}/${rule.times ?? '∞'}`,
          rule.matched,
        ]),
        ['ID', 'ON', 'MATCH', 'EFFECT', 'HITS', 'MATCHED'],
      );
    });
  });

  withControlOptions(faults.command('remove <id>').description('Remove one fault rule.')).action(
    async (id: string, flags: ApiFlags) => {
      const result = await control(flags).removeFault(id);
      print(flags, result, () => process.stdout.write(`Removed ${id}\n`));
    },
  );

  withControlOptions(faults.command('clear').description('Remove every fault rule.')).action(
    async (flags: ApiFlags) => {
      const result = await control(flags).clearFaults();
      print(flags, result, () => process.stdout.write('Fault rules cleared\n'));
    },
  );
}
