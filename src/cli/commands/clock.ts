/**
 * @module cli/commands/clock — `groupgate clock show | advance <duration> | freeze [--at] | reset`: the server's
 * virtual clock through the control API, with the admin token. Time only moves forward; reset returns to real time.
 */
import { ControlClient } from '@groupgate/sdk';
import type { ClockReading } from '@groupgate/sdk/contract';
import type { Command } from 'commander';
import { adminTokenOf, baseUrlOf, withControlOptions, type ApiFlags } from '../api-options.js';
import { print } from '../output.js';

const control = (flags: ApiFlags) =>
  new ControlClient({ baseUrl: baseUrlOf(flags), adminToken: adminTokenOf(flags) });

const example = (...lines: string[]) => `\nExample${lines.length > 1 ? 's' : ''}:\n  ${lines.join('\n  ')}`;

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `90`, `1.5`, `90s`, `15m`, `2h`, `7d`: seconds, or a number with a unit. */
export function parseDuration(raw: string): number {
  const match = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(raw.trim());
  const seconds = match === null ? NaN : Number(match[1]) * (UNIT_SECONDS[match[2] || 's'] ?? NaN);
  if (!(seconds > 0)) {
    throw new Error(
      `the duration must be a positive number of seconds, or one with s, m, h or d (7d), got "${raw}"`,
    );
  }
  return seconds;
}

/** `--at`: Unix seconds, or an ISO 8601 date and time (`2027-01-01T00:00:00Z`). */
export function parseInstant(raw: string): number {
  if (/^\d+$/.test(raw)) return Number(raw);
  const ms = /^\d{4}-\d\d-\d\d/.test(raw) ? Date.parse(raw) : NaN;
  if (Number.isNaN(ms)) {
    throw new Error(`--at must be Unix seconds or an ISO 8601 date and time, got "${raw}"`);
  }
  return Math.ceil(ms / 1000);
}

function describe(clock: ClockReading): void {
  const offset = clock.offset_seconds;
  const rows: [string, string][] = [
    ['now', `${clock.now_iso}  (${clock.now})`],
    ['offset', `${offset >= 0 ? '+' : ''}${offset} s`],
    ['frozen', clock.frozen ? `yes, at ${clock.frozen_at}` : 'no'],
  ];
  for (const [key, value] of rows) process.stdout.write(`${key.padEnd(8)}${value}\n`);
}

export function registerClock(program: Command): void {
  const clock = program
    .command('clock')
    .description("The server's virtual clock: token expiry, timestamps and webhook retries follow it.");

  withControlOptions(
    clock.command('show').description('The time the server reads, its offset, frozen or not.'),
  )
    .addHelpText('after', example('groupgate clock show', 'groupgate clock show --json'))
    .action(async (flags: ApiFlags) => {
      const reading = await control(flags).clock();
      print(flags, reading, () => describe(reading));
    });

  withControlOptions(
    clock
      .command('advance <duration>')
      .description(
        'Move the clock forward: seconds, or a number with s, m, h or d. Webhook retries it passes are sent now.',
      ),
  )
    .addHelpText('after', example('groupgate clock advance 3600', 'groupgate clock advance 7d'))
    .action(async (duration: string, flags: ApiFlags) => {
      const reading = await control(flags).advanceClock(parseDuration(duration));
      print(flags, reading, () => describe(reading));
    });

  withControlOptions(
    clock
      .command('freeze')
      .description('Stop time, now or at a later instant, until advanced or reset.')
      .option('--at <time>', 'Unix seconds, or ISO 8601 (2027-01-01T00:00:00Z); not before the current time'),
  )
    .addHelpText(
      'after',
      example('groupgate clock freeze', 'groupgate clock freeze --at 2027-01-01T00:00:00Z'),
    )
    .action(async (flags: ApiFlags & { at?: string }) => {
      const reading = await control(flags).freezeClock(
        flags.at === undefined ? undefined : parseInstant(flags.at),
      );
      print(flags, reading, () => describe(reading));
    });

  withControlOptions(
    clock.command('reset').description('Back to real time: the one way the clock moves back.'),
  )
    .addHelpText('after', example('groupgate clock reset'))
    .action(async (flags: ApiFlags) => {
      const reading = await control(flags).resetClock();
      print(flags, reading, () => describe(reading));
    });
}
