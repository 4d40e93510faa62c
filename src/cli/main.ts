/** @module cli/main — the `groupgate` command. */
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { registerAdmin } from './commands/admin.js';
import { registerClock } from './commands/clock.js';
import { registerFaults } from './commands/faults.js';
import { registerGroups } from './commands/groups.js';
import { registerJoinRequests } from './commands/join-requests.js';
import { registerLimits } from './commands/limits.js';
import { registerRequests } from './commands/requests.js';
import { registerServe } from './commands/serve.js';
import { registerSimulate } from './commands/simulate.js';
import { registerState } from './commands/state.js';
import { registerWebhooks } from './commands/webhooks.js';
import { describeError } from './output.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const program = new Command()
  .name('groupgate')
  .version(version, '-V, --version', 'print the version and exit')
  .description(
    'A self-hosted WhatsApp Groups API (join requests) that speaks graph.facebook.com, and a client for it and for Meta.',
  )
  .showHelpAfterError()
  .addHelpText(
    'after',
    `
The API commands work against Groupgate (default http://127.0.0.1:4004) or Meta (--base-url https://graph.facebook.com),
with the token from --token or WHATSAPP_ACCESS_TOKEN. simulate, webhooks, faults, limits, requests, clock and admin use Groupgate's control API.`,
  );
registerServe(program);
registerJoinRequests(program);
registerGroups(program);
registerSimulate(program);
registerWebhooks(program);
registerAdmin(program);
registerLimits(program);
registerRequests(program);
registerClock(program);
registerFaults(program);
registerState(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`groupgate: ${describeError(error)}\n`);
  process.exit(1);
});
