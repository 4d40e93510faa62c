/**
 * @module cli/commands/webhooks — `groupgate webhooks set|deliveries|replay`: an app's callback URL, the delivery
 * log, and sending an event again. Groupgate's control API.
 */
import { ControlClient } from '@groupgate/sdk';
import {
  WEBHOOK_FIELDS,
  type SetWebhookBody,
  type WebhookDeliveriesQuery,
  type WebhookDeliveryState,
  type WebhookField,
} from '@groupgate/sdk/contract';
import type { Command } from 'commander';
import { adminTokenOf, baseUrlOf, withControlOptions, type ApiFlags } from '../api-options.js';
import { print, printTable } from '../output.js';

const control = (flags: ApiFlags) =>
  new ControlClient({ baseUrl: baseUrlOf(flags), adminToken: adminTokenOf(flags) });

function whole(name: string, raw: string): number {
  if (!/^\d+$/.test(raw)) throw new Error(`${name} must be a whole number, got "${raw}"`);
  return Number(raw);
}

export function registerWebhooks(program: Command): void {
  const webhooks = program
    .command('webhooks')
    .description("Set an app's webhook callback, read the delivery log, replay.");

  withControlOptions(
    webhooks
      .command('set')
      .description("Set the app's callback URL after Meta's hub.challenge handshake succeeds.")
      .requiredOption('--app <app_id>', 'the app')
      .requiredOption('--url <callback_url>', 'where webhooks are POSTed')
      .requiredOption('--verify-token <token>', 'sent as hub.verify_token in the handshake')
      .option('--fields <list>', `comma-separated; default all: ${WEBHOOK_FIELDS.join(',')}`)
      .option('--app-secret <secret>', 'rotate the secret deliveries are signed with'),
  )
    .addHelpText(
      'after',
      '\nExample:\n  groupgate webhooks set --app 1204… --url http://localhost:3000/webhook --verify-token my-token',
    )
    .action(
      async (
        flags: ApiFlags & {
          app: string;
          url: string;
          verifyToken: string;
          fields?: string;
          appSecret?: string;
        },
      ) => {
        const body: SetWebhookBody = {
          callback_url: flags.url,
          verify_token: flags.verifyToken,
          // The server refuses an unknown field with a clear error; the CLI passes them on as typed.
          ...(flags.fields !== undefined && {
            fields: flags.fields.split(',').map((f) => f.trim() as WebhookField),
          }),
          ...(flags.appSecret !== undefined && { app_secret: flags.appSecret }),
        };
        const settings = await control(flags).webhooks.set(flags.app, body);
        print(flags, settings, () =>
          process.stdout.write(`Verified. ${settings.fields.join(', ')} -> ${settings.callback_url}\n`),
        );
      },
    );

  withControlOptions(
    webhooks
      .command('deliveries')
      .description('The delivery log, newest first.')
      .option('--app <app_id>', 'only this app')
      .option('-g, --group <group_id>', 'only this group')
      .option('--state <state>', 'pending | delivered | failed | skipped')
      .option('--limit <n>', 'at most this many (1-500)', '20'),
  ).action(async (flags: ApiFlags & { app?: string; group?: string; state?: string; limit: string }) => {
    // The server refuses a limit out of range or an unknown state with a clear error.
    const query: WebhookDeliveriesQuery = {
      limit: whole('--limit', flags.limit),
      ...(flags.app !== undefined && { app_id: flags.app }),
      ...(flags.group !== undefined && { group_id: flags.group }),
      ...(flags.state !== undefined && { state: flags.state as WebhookDeliveryState }),
    };
    const data = await control(flags).deliveries.list(query);
    print(flags, { data }, () =>
      printTable(
        data.map((d) => [
          d.id,
          d.type,
          d.state,
          d.attempts,
          d.last_status_code ?? d.last_error ?? '',
          d.last_latency_ms === null ? '' : `${d.last_latency_ms} ms`,
          d.next_attempt_at === null ? '' : new Date(d.next_attempt_at).toISOString(),
        ]),
        ['ID', 'TYPE', 'STATE', 'ATTEMPTS', 'LAST', 'LATENCY', 'NEXT RETRY'],
      ),
    );
  });

  withControlOptions(
    webhooks.command('replay <id>').description('Send an event again now, with the same body.'),
  ).action(async (id: string, flags: ApiFlags) => {
    const result = await control(flags).deliveries.replay(whole('the event id', id));
    print(flags, result, () => process.stdout.write(`Event ${id} queued for delivery\n`));
  });
}
