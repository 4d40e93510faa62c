/**
 * @module cli/commands/groups — `groupgate groups list|create|show|delete` and `groupgate invite-link show|reset`.
 */
import {
  GROUP_INFO_FIELDS,
  type GroupInfoField,
  type GroupSummary,
  type JoinApprovalMode,
  type UserFields,
} from '@groupgate/sdk/contract';
import type { Command } from 'commander';
import { clientEnvironment } from '../../config.js';
import {
  accessTokenOf,
  baseUrlOf,
  clientOf,
  optionalAdminTokenOf,
  withApiOptions,
  type ApiFlags,
} from '../api-options.js';
import { print, printTable } from '../output.js';

interface PhoneFlags extends ApiFlags {
  phoneNumberId?: string;
}

function phoneOf(flags: PhoneFlags): string {
  const id = flags.phoneNumberId ?? clientEnvironment().phoneNumberId;
  if (id === undefined)
    throw new Error('the business phone number is needed: --phone-number-id or WHATSAPP_PHONE_NUMBER_ID');
  return id;
}

function parseFields(raw: string | undefined): GroupInfoField[] {
  if (raw === undefined) return [...GROUP_INFO_FIELDS];
  const fields = raw.split(',').map((f) => f.trim());
  for (const field of fields) {
    if (!(GROUP_INFO_FIELDS as readonly string[]).includes(field)) {
      throw new Error(`unknown field "${field}"; the fields are ${GROUP_INFO_FIELDS.join(', ')}`);
    }
  }
  return fields as GroupInfoField[];
}

export function registerGroups(program: Command): void {
  const groups = program
    .command('groups')
    .description("Create, list, show and delete a business number's groups.");
  const phone = (command: Command) =>
    withApiOptions(
      command.option('--phone-number-id <id>', 'the business phone number (env WHATSAPP_PHONE_NUMBER_ID)'),
    );

  phone(groups.command('list').description('Active groups, newest first.'))
    .addHelpText(
      'after',
      '\nExample:\n  groupgate groups list --phone-number-id 106540352242922 --token EAAG…',
    )
    .action(async (flags: PhoneFlags) => {
      const all: GroupSummary[] = [];
      for await (const group of (await clientOf(flags, phoneOf(flags))).groups.iterate({ pageSize: 1024 }))
        all.push(group);
      print(flags, { data: all }, () =>
        printTable(
          all.map((g) => [g.id, g.subject, new Date(Number(g.created_at) * 1000).toISOString()]),
          ['GROUP ID', 'SUBJECT', 'CREATED'],
        ),
      );
    });

  phone(
    groups
      .command('create')
      .description(
        "Create a group and print its id and invite link; without an admin token, only the request's id (the group's " +
          'id then arrives in the group_lifecycle_update webhook).',
      )
      .requiredOption('--subject <text>', 'up to 128 characters')
      .option('--description <text>', 'up to 2048 characters')
      .option('--approval-required', 'users must ask to join (join_approval_mode approval_required)')
      .option(
        '--admin-token <token>',
        "Groupgate's control API token, to wait for the new group (env GROUPGATE_ADMIN_TOKEN)",
      ),
  )
    .addHelpText('after', '\nExample:\n  groupgate groups create --subject "Launch team" --approval-required')
    .action(
      async (flags: PhoneFlags & { subject: string; description?: string; approvalRequired?: boolean }) => {
        const mode: JoinApprovalMode = flags.approvalRequired === true ? 'approval_required' : 'auto_approve';
        const input = {
          subject: flags.subject,
          ...(flags.description !== undefined && { description: flags.description }),
          joinApprovalMode: mode,
        };
        const adminToken = optionalAdminTokenOf(flags);
        if (adminToken === undefined) {
          const requested = await (await clientOf(flags, phoneOf(flags))).groups.create(input);
          print(flags, requested, () =>
            process.stdout.write(
              `Requested: request_id ${requested.request_id}\n` +
                "The group's id arrives in the group_lifecycle_update webhook (or pass --admin-token to wait for it).\n",
            ),
          );
          return;
        }
        const { ControlClient } = await import('@groupgate/sdk');
        const apiVersion = flags.apiVersion ?? clientEnvironment().apiVersion;
        const control = new ControlClient({
          baseUrl: baseUrlOf(flags),
          adminToken,
          ...(apiVersion !== undefined && { apiVersion }),
        });
        const created = await control.createGroup(
          { access_token: accessTokenOf(flags), phone_number_id: phoneOf(flags) },
          input,
        );
        print(
          flags,
          { id: created.groupId, invite_link: created.inviteLink, request_id: created.requestId },
          () => process.stdout.write(`Created ${created.groupId}\nInvite link: ${created.inviteLink}\n`),
        );
      },
    );

  withApiOptions(
    groups
      .command('show <group_id>')
      .description("A group's fields.")
      .option('--fields <list>', `comma-separated; default all: ${GROUP_INFO_FIELDS.join(',')}`),
  ).action(async (groupId: string, flags: ApiFlags & { fields?: string }) => {
    const info = await (await clientOf(flags)).groups.get(groupId, parseFields(flags.fields));
    print(flags, info, () => {
      for (const [key, value] of Object.entries(info)) {
        const shown = Array.isArray(value)
          ? value.map((p: UserFields) => p.wa_id ?? p.username ?? p.user_id).join(', ')
          : String(value);
        process.stdout.write(`${key.padEnd(24)}${shown}\n`);
      }
    });
  });

  withApiOptions(
    groups.command('delete <group_id>').description('Delete a group; every participant is removed.'),
  ).action(async (groupId: string, flags: ApiFlags) => {
    const answer = await (await clientOf(flags)).groups.delete(groupId);
    print(flags, answer, () => process.stdout.write(`Deleted ${groupId}\n`));
  });

  const link = program.command('invite-link').description("Show or reset a group's invite link.");
  withApiOptions(link.command('show <group_id>').description('The current invite link.')).action(
    async (groupId: string, flags: ApiFlags) => {
      const inviteLink = await (await clientOf(flags)).inviteLinks.get(groupId);
      print(flags, { invite_link: inviteLink }, () => process.stdout.write(`${inviteLink}\n`));
    },
  );
  withApiOptions(
    link.command('reset <group_id>').description('A new link; the old one stops working at once.'),
  ).action(async (groupId: string, flags: ApiFlags) => {
    const inviteLink = await (await clientOf(flags)).inviteLinks.reset(groupId);
    print(flags, { invite_link: inviteLink }, () => process.stdout.write(`${inviteLink}\n`));
  });
}
