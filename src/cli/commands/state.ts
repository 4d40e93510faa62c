/**
 * @module cli/commands/state — `groupgate state export | import`: the state document (docs/state.md) through the
 * control API, as JSON or YAML files. An export holds access tokens and app secrets: the file is written readable by
 * its owner only.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { ControlClient } from '@groupgate/sdk';
import type { StateDocument } from '@groupgate/sdk/contract';
import type { Command } from 'commander';
import { adminTokenOf, baseUrlOf, withControlOptions, type ApiFlags } from '../api-options.js';
import { print } from '../output.js';

const control = (flags: ApiFlags) =>
  new ControlClient({ baseUrl: baseUrlOf(flags), adminToken: adminTokenOf(flags) });

const isYamlName = (name: string) => /\.ya?ml$/i.test(name);

export function registerState(program: Command): void {
  const state = program
    .command('state')
    .description(
      'Export or import the state document: businesses, tokens, apps, groups, requests (docs/state.md).',
    );

  withControlOptions(
    state
      .command('export')
      .description(
        'Print (or write) the state document. It holds tokens and app secrets: keep it like a secret.',
      )
      .option('--waba-id <waba_id>', 'only this business')
      .option('--out <file>', 'write it to this file (mode 600) instead of printing it')
      .option('--yaml', 'YAML instead of JSON (the default when --out ends in .yaml or .yml)'),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  groupgate state export --out fixture.json\n  groupgate state export --waba-id 102290129340398 --yaml',
    )
    .action(async (flags: ApiFlags & { wabaId?: string; out?: string; yaml?: boolean }) => {
      const document = await control(flags).state.export(
        flags.wabaId === undefined ? {} : { wabaId: flags.wabaId },
      );
      const yaml = flags.yaml === true || (flags.out !== undefined && isYamlName(flags.out));
      const text = yaml
        ? (await import('yaml')).stringify(document)
        : `${JSON.stringify(document, null, 2)}\n`;
      if (flags.out === undefined) {
        process.stdout.write(text);
        return;
      }
      await writeFile(flags.out, text, { mode: 0o600 });
      process.stderr.write(
        `Wrote ${document.businesses.length} business(es) to ${flags.out}: it holds tokens and app secrets\n`,
      );
    });

  withControlOptions(
    state
      .command('import <file>')
      .description(
        'Replace the state with a document (JSON, or YAML by its .yaml/.yml name), all or nothing; with --waba-id, only that business.',
      )
      .option('--waba-id <waba_id>', 'replace only this business: the document holds it alone'),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  groupgate state import fixture.json\n  groupgate state import worker-1.yaml --waba-id 102290129340398',
    )
    .action(async (file: string, flags: ApiFlags & { wabaId?: string }) => {
      const text = await readFile(file, 'utf8');
      let document: StateDocument;
      try {
        document = (
          isYamlName(file) ? (await import('yaml')).parse(text, { schema: 'core' }) : JSON.parse(text)
        ) as StateDocument;
      } catch (error) {
        throw new Error(
          `${file} is not valid ${isYamlName(file) ? 'YAML' : 'JSON'}: ${(error as Error).message}`,
        );
      }
      const result = await control(flags).state.import(
        document,
        flags.wabaId === undefined ? {} : { wabaId: flags.wabaId },
      );
      print(flags, result, () => process.stdout.write(`Imported ${file}\n`));
    });
}
