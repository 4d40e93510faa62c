/** @module cli/main — the `groupgate` command. */
import { Command } from 'commander';
import { registerServe } from './commands/serve.js';

const program = new Command()
  .name('groupgate')
  .description('A self-hosted WhatsApp Groups API (join requests) that speaks graph.facebook.com.')
  .showHelpAfterError();
registerServe(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`groupgate: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
