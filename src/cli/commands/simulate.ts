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
      .requiredOption('--link <invite_link>', 'https://chat.whatsapp.com/…'),
  ).action(async (waId: string, flags: ApiFlags & { link: string }) => {
    const result = await control(flags).users.join(waId, flags.link);
    print(flags, result, () =>
      process.stdout.write(
        result.join_request_id === undefined
          ? `${waId} joined\n`
          : `${waId} requested to join: ${result.join_request_id}\n`,
      ),
    );
  });

  for (const [name, action, summary, done] of [
    ['cancel', 'cancelJoin', 'A user withdraws their pending join request.', 'cancelled their request'],
    ['leave', 'leave', 'A participant leaves the group.', 'left'],
  ] as const) {
    withControlOptions(
      simulate
        .command(`${name} <wa_id>`)
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
      .option('--country-code <cc>', 'their numbers start with this calling code', '1'),
  )
    .addHelpText('after', '\nExample:\n  groupgate simulate bulk --group Y2FwaV9…ZD --users 500 --rate 50')
    .action(
      async (flags: ApiFlags & { group: string[]; users: string; rate: string; countryCode: string }) => {
        const client = control(flags);
        const users = Number(flags.users);
        const rate = Number(flags.rate);
        if (!Number.isInteger(users) || users < 1)
          throw new Error(`--users must be a positive whole number, got "${flags.users}"`);
        if (!Number.isFinite(rate) || rate < 0)
          throw new Error(`--rate must be a number ≥ 0, got "${flags.rate}"`);
        const run: StartSimulationBody = {
          group_ids: flags.group,
          users,
          rate_per_second: rate,
          country_code: flags.countryCode,
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
