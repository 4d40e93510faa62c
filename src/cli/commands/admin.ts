/**
 * @module cli/commands/admin — `groupgate admin reset | businesses create|list|delete | tokens create|revoke | groups
 * suspend|clear`: the sandbox's administration through Groupgate's control API, with the admin token.
 */
import { ControlClient } from '@groupgate/sdk';
import type { Command } from 'commander';
import { adminTokenOf, baseUrlOf, withControlOptions, type ApiFlags } from '../api-options.js';
import { print } from '../output.js';

const control = (flags: ApiFlags) =>
  new ControlClient({ baseUrl: baseUrlOf(flags), adminToken: adminTokenOf(flags) });

const example = (...lines: string[]) => `\nExample${lines.length > 1 ? 's' : ''}:\n  ${lines.join('\n  ')}`;

function seconds(raw: string): number {
  if (!/^\d+$/.test(raw)) throw new Error(`--expires-in must be a whole number of seconds, got "${raw}"`);
  return Number(raw);
}

export function registerAdmin(program: Command): void {
  const admin = program
    .command('admin')
    .description('Administer the sandbox: reset it, create businesses and tokens, suspend groups.');

  withControlOptions(
    admin
      .command('reset')
      .description('Empty every table: every business, group and delivery, not only yours.'),
  )
    .addHelpText('after', example('groupgate admin reset --admin-token "$GROUPGATE_ADMIN_TOKEN"'))
    .action(async (flags: ApiFlags) => {
      const result = await control(flags).reset();
      print(flags, result, () => process.stdout.write('Reset: the sandbox is empty\n'));
    });

  const businesses = admin.command('businesses').description('Sandbox businesses.');
  withControlOptions(
    businesses
      .command('create')
      .description('A WABA with one phone number, its app and an access token (printed once).')
      .option('--name <name>', "the business's name"),
  )
    .addHelpText(
      'after',
      example('groupgate admin businesses create --name "Acme"', 'groupgate admin businesses create --json'),
    )
    .action(async (flags: ApiFlags & { name?: string }) => {
      const business = await control(flags).businesses.create(
        flags.name === undefined ? {} : { name: flags.name },
      );
      print(flags, business, () => {
        const rows: [string, string][] = [
          ['waba_id', business.waba_id],
          ['phone_number_id', business.phone_number_id],
          ['display_phone_number', business.display_phone_number],
          ['app_id', business.app_id],
          ['app_secret', business.app_secret],
          ['access_token', business.access_token],
        ];
        for (const [key, value] of rows) process.stdout.write(`${key.padEnd(22)}${value}\n`);
        process.stdout.write('The token and app secret are shown only now; keep them.\n');
      });
    });

  withControlOptions(
    businesses
      .command('list')
      .description('Every business: WABA id, phone number id, app id, name (never tokens or secrets).'),
  )
    .addHelpText(
      'after',
      example('groupgate admin businesses list', 'groupgate admin businesses list --json'),
    )
    .action(async (flags: ApiFlags) => {
      const all = await control(flags).businesses.listAll();
      print(flags, { data: all }, () => {
        if (all.length === 0) process.stdout.write('No businesses\n');
        for (const b of all) {
          process.stdout.write(`${b.waba_id}  ${b.phone_number_id}  ${b.app_id}  ${b.name}\n`);
        }
      });
    });

  withControlOptions(
    businesses
      .command('delete <waba_id>')
      .description(
        'Delete one business and all it owns (tokens, groups, requests, webhook settings, deliveries); the others stay.',
      ),
  )
    .addHelpText('after', example('groupgate admin businesses delete 102290129340398'))
    .action(async (wabaId: string, flags: ApiFlags) => {
      const result = await control(flags).businesses.delete(wabaId);
      print(flags, result, () => process.stdout.write(`Deleted business ${wabaId}\n`));
    });

  const tokens = admin.command('tokens').description("A business's access tokens.");
  withControlOptions(
    tokens
      .command('create')
      .description('Another access token for a business (printed once).')
      .requiredOption('--waba <waba_id>', 'the business')
      .option('--expires-in <seconds>', 'seconds until it expires; default never'),
  )
    .addHelpText(
      'after',
      example(
        'groupgate admin tokens create --waba 102290129340398',
        'groupgate admin tokens create --waba 102290129340398 --expires-in 3600',
      ),
    )
    .action(async (flags: ApiFlags & { waba: string; expiresIn?: string }) => {
      const issued = await control(flags).tokens.create(
        flags.waba,
        flags.expiresIn === undefined ? {} : { expires_in: seconds(flags.expiresIn) },
      );
      print(flags, issued, () => {
        const expiry =
          issued.expires_at === null ? 'never' : new Date(issued.expires_at * 1000).toISOString();
        process.stdout.write(`${issued.access_token}\nExpires: ${expiry}\n`);
      });
    });

  withControlOptions(
    tokens
      .command('revoke <token>')
      .description('Revoke an access token: Graph calls with it then fail with code 190.'),
  )
    .addHelpText('after', example('groupgate admin tokens revoke EAAG…'))
    .action(async (token: string, flags: ApiFlags) => {
      const result = await control(flags).tokens.revoke(token);
      print(flags, result, () => process.stdout.write('Revoked\n'));
    });

  const groups = admin.command('groups').description('WhatsApp-side actions on a group.');
  withControlOptions(
    groups
      .command('suspend <group_id>')
      .description('WhatsApp suspends the group: Graph calls on it answer 131207.'),
  )
    .addHelpText('after', example('groupgate admin groups suspend Y2FwaV9ncm91cDo…'))
    .action(async (groupId: string, flags: ApiFlags) => {
      const state = await control(flags).groups.suspend(groupId);
      print(flags, state, () => process.stdout.write(`Suspended ${state.group_id}\n`));
    });

  withControlOptions(groups.command('clear <group_id>').description("Lift the group's suspension."))
    .addHelpText('after', example('groupgate admin groups clear Y2FwaV9ncm91cDo…'))
    .action(async (groupId: string, flags: ApiFlags) => {
      const state = await control(flags).groups.clearSuspension(groupId);
      print(flags, state, () => process.stdout.write(`Suspension cleared on ${state.group_id}\n`));
    });
}
