/**
 * @module cli/commands/simulate — `groupgate simulate join|cancel|leave|bulk`: WhatsApp users, played by Groupgate's
 * control API. Groupgate only: Meta has no such thing.
 */
import { ControlClient } from '@groupgate/sdk';
import type { StartSimulationBody } from '@groupgate/sdk/contract';
import type { Command } from 'commander';
import { adminTokenOf, baseUrlOf, withControlOptions, type ApiFlags } from '../api-options.js';
import { print } from '../output.js';
import { progressBar } from '../progress.js';

const control = (flags: ApiFlags) =>
  new ControlClient({ baseUrl: baseUrlOf(flags), adminToken: adminTokenOf(flags) });

export function registerSimulate(program: Command): void {
  const simulate = program
    .command('simulate')
    .description('Play WhatsApp users against a Groupgate server: join, cancel, leave, or many at once.');

  withControlOptions(
    simulate
      .command('join <wa_id>')
      .description('A user opens an invite link: a join request, or membership on auto-approve groups.')
      .requiredOption('--link <invite_link>', 'https://chat.whatsapp.com/…')
      .option('--hide-phone-number', 'the user hides their number: wa_id is left out of items about them')
      .option('--username <username>', "the user's WhatsApp username")
      .option(
        '--parent-user-id [parent_bsuid]',
        'a parent BSUID (CC.ENT.…); without a value, the derived one',
      ),
  ).action(
    async (
      waId: string,
      flags: ApiFlags & {
        link: string;
        hidePhoneNumber?: true;
        username?: string;
        parentUserId?: string | true;
      },
    ) => {
      const result = await control(flags).users.join(waId, flags.link, {
        ...(flags.hidePhoneNumber === true && { hide_phone_number: true }),
        ...(flags.username !== undefined && { username: flags.username }),
        ...(flags.parentUserId !== undefined && { parent_user_id: flags.parentUserId }),
      });
      print(flags, result, () =>
        process.stdout.write(
          result.join_request_id === undefined
            ? `${waId} joined as ${result.user_id}\n`
            : `${waId} requested to join: ${result.join_request_id}\n`,
        ),
      );
    },
  );

  for (const [name, action, summary, done] of [
    ['cancel', 'cancelJoin', 'A user withdraws their pending join request.', 'cancelled their request'],
    ['leave', 'leave', 'A participant leaves the group.', 'left'],
  ] as const) {
    withControlOptions(
      simulate
        .command(`${name} <wa_id_or_bsuid>`)
        .description(summary)
        .requiredOption('-g, --group <group_id>', 'the group'),
    ).action(async (waId: string, flags: ApiFlags & { group: string }) => {
      const result = await control(flags).users[action](waId, flags.group);
      print(flags, result, () => process.stdout.write(`${waId} ${done}\n`));
    });
  }

  withControlOptions(
    simulate
      .command('bulk')
      .description('Many users open the invite links of one or more groups, paced, with a progress bar.')
      .requiredOption('-g, --group <group_id...>', 'groups, users spread over them in turn')
      .requiredOption('--users <n>', 'how many users')
      .option('--rate <per_second>', 'users per second; 0 as fast as possible', '0')
      .option('--country-code <cc>', 'their numbers start with this calling code', '1')
      .option('--hidden-share <0..1>', 'share of users who hide their number behind a username', '0')
      .option('--parent-share <0..1>', 'share of users who carry a parent BSUID', '0'),
  )
    .addHelpText('after', '\nExample:\n  groupgate simulate bulk --group Y2FwaV9…ZD --users 500 --rate 50')
    .action(
      async (
        flags: ApiFlags & {
          group: string[];
          users: string;
          rate: string;
          countryCode: string;
          hiddenShare: string;
          parentShare: string;
        },
      ) => {
        const client = control(flags);
        const users = Number(flags.users);
        const rate = Number(flags.rate);
        if (!Number.isInteger(users) || users < 1)
          throw new Error(`--users must be a positive whole number, got "${flags.users}"`);
        if (!Number.isFinite(rate) || rate < 0)
          throw new Error(`--rate must be a number ≥ 0, got "${flags.rate}"`);
        const share = (name: string, raw: string): number => {
          const value = Number(raw);
          if (!Number.isFinite(value) || value < 0 || value > 1)
            throw new Error(`--${name} must be a number from 0 to 1, got "${raw}"`);
          return value;
        };
        const run: StartSimulationBody = {
          group_ids: flags.group,
          users,
          rate_per_second: rate,
          country_code: flags.countryCode,
          hidden_phone_share: share('hidden-share', flags.hiddenShare),
          parent_user_id_share: share('parent-share', flags.parentShare),
        };
        let status = await client.simulations.start(run);
        const bar = await progressBar(users, 'Simulating');
        try {
          while (status.state === 'running') {
            await new Promise((resolve) => setTimeout(resolve, 200));
            status = await client.simulations.get(status.simulation_id);
            bar.update(status.requested + status.joined + status.failed, {
              ok: status.requested + status.joined,
              failed: status.failed,
            });
          }
        } finally {
          bar.stop();
        }
        print(flags, status, () => {
          process.stdout.write(
            `${status.requested} requested to join, ${status.joined} joined, ${status.failed} failed, of ${status.users} users\n`,
          );
          for (const failure of status.failures)
            process.stdout.write(`  ${failure.count}× ${failure.message}\n`);
        });
      },
    );
}
