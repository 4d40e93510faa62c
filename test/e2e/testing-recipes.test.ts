/**
 * Runs every TypeScript block of docs/testing.md exactly as the doc shows it, so a recipe that drifts from what
 * Groupgate and the SDK do fails here. A block is marked `<!-- test: <recipe> <variant> -->`; each recipe block runs
 * after the `setup` block, on a server of its own (the set-up starts one), with the set-up's imports bound to the
 * modules of this repository. The blocks are type-checked under the project's settings, then run with their types
 * stripped by the compiler's transpileModule.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import type { WebhookReceiver } from '@groupgate/sdk/testing';
import ts from 'typescript';

const DOC = new URL('../../docs/testing.md', import.meta.url);

/** Every recipe the doc must keep: one SDK and one plain-HTTP block each. */
const RECIPES = [
  'rate-limited-fault',
  'rate-limited-limits',
  'transient',
  'slow',
  'drop-reply',
  'token-expired',
  'suspended',
  'webhook',
  'journal',
];

interface Block {
  name: string;
  code: string;
}

function blocks(markdown: string): Block[] {
  const found: Block[] = [];
  const marked = /<!-- test: ([\w -]+?) -->\s*```ts\n([\s\S]*?)```/g;
  for (const match of markdown.matchAll(marked)) found.push({ name: match[1] ?? '', code: match[2] ?? '' });
  return found;
}

/**
 * The modules the doc imports from, as this repository provides them. Receivers a recipe starts are kept in
 * `opened`, so a recipe that fails before its `receiver.close()` leaves nothing listening.
 */
async function modules(opened: WebhookReceiver[]): Promise<Record<string, Record<string, unknown>>> {
  const testing = await import('@groupgate/sdk/testing');
  const startWebhookReceiver: typeof testing.startWebhookReceiver = async (options) => {
    const receiver = await testing.startWebhookReceiver(options);
    opened.push(receiver);
    return receiver;
  };
  return {
    'node:assert/strict': { default: assert },
    groupgate: (await import('../../src/index.js')) as Record<string, unknown>,
    '@groupgate/sdk': (await import('@groupgate/sdk')) as Record<string, unknown>,
    '@groupgate/sdk/testing': { ...testing, startWebhookReceiver },
  };
}

/** The set-up's import statements, resolved to bindings; the code without them. */
function bindImports(
  code: string,
  available: Record<string, Record<string, unknown>>,
): { bindings: Record<string, unknown>; body: string } {
  const bindings: Record<string, unknown> = {};
  const body = code.replace(
    /^import\s+([\s\S]*?)\s+from\s+'([^']+)';\n/gm,
    (_all, clause: string, from: string) => {
      const module = available[from];
      assert.ok(module !== undefined, `docs/testing.md imports ${from}, which the test does not provide`);
      const named = /\{([\s\S]*)\}/.exec(clause);
      if (named === null) {
        bindings[clause.trim()] = module['default'];
      } else {
        for (const item of (named[1] ?? '').split(',').map((s) => s.trim().replace(/^type\s+/, ''))) {
          if (item === '') continue;
          assert.ok(item in module, `${from} has no export ${item}`);
          bindings[item] = module[item];
        }
      }
      return '';
    },
  );
  return { bindings, body };
}

function javascript(code: string): string {
  return ts.transpileModule(code, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
  }).outputText;
}

/** The compiler's complaints about `source`, as if it were a file of test/e2e under the project's tsconfig. */
function typeCheck(source: string): string[] {
  const configPath = fileURLToPath(new URL('../../tsconfig.json', import.meta.url));
  const config = ts.getParsedCommandLineOfConfigFile(
    configPath,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => assert.fail(String(diagnostic.messageText)),
    },
  );
  assert.ok(config !== undefined);
  const file = fileURLToPath(new URL('./testing-recipes.snippets.ts', import.meta.url));
  const host = ts.createCompilerHost(config.options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, ...rest) =>
    name === file ? ts.createSourceFile(name, source, language) : getSourceFile(name, language, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === file || fileExists(name);
  const program = ts.createProgram([file], { ...config.options, noEmit: true }, host);
  return ts
    .getPreEmitDiagnostics(program, program.getSourceFile(file))
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

type AsyncFunctionConstructor = new (...args: string[]) => (...args: unknown[]) => Promise<void>;
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as AsyncFunctionConstructor;

const markdown = readFileSync(DOC, 'utf8');
const found = blocks(markdown);
const setup = found.find((block) => block.name === 'setup');

describe('docs/testing.md', () => {
  it('has a set-up and, for every recipe, an SDK and a plain-HTTP block', () => {
    assert.ok(setup !== undefined, 'the setup block');
    const names = found.map((block) => block.name);
    for (const recipe of RECIPES) {
      assert.ok(names.includes(`${recipe} sdk`), `${recipe} sdk`);
      assert.ok(names.includes(`${recipe} http`), `${recipe} http`);
    }
    assert.equal(new Set(names).size, names.length, 'each block named once');
    // Every ts block is marked, so none escapes the test.
    assert.equal((markdown.match(/```ts\n/g) ?? []).length, found.length, 'an unmarked ts block');
  });

  it('type-checks: each recipe, after the set-up, compiles under the project settings', () => {
    assert.ok(setup !== undefined);
    const imports = (setup.code.match(/^import [\s\S]*?;\n/gm) ?? []).join('');
    const body = setup.code.replace(/^import [\s\S]*?;\n/gm, '');
    const recipes = found
      .filter((b) => b.name !== 'setup')
      .map((b, i) => `// ${b.name}\nexport async function recipe${i}() {\n${body}\n${b.code}\n}\n`);
    const source = imports.replace(`'groupgate'`, `'../../src/index.js'`) + recipes.join('\n');
    const diagnostics = typeCheck(source);
    assert.deepEqual(diagnostics, [], diagnostics.join('\n'));
  });

  for (const block of found.filter((b) => b.name !== 'setup')) {
    it(block.name, async () => {
      assert.ok(setup !== undefined);
      const opened: WebhookReceiver[] = [];
      const { bindings, body } = bindImports(setup.code, await modules(opened));
      assert.doesNotMatch(block.code, /^import /m, 'recipes use the set-up imports');
      // The set-up starts a server (`gg`): closed whatever the recipe does.
      const source = javascript(`${body}\ntry {\n${block.code}\n} finally {\n  await gg.close();\n}\n`);
      const run = new AsyncFunction(...Object.keys(bindings), source);
      try {
        await run(...Object.values(bindings));
      } finally {
        await Promise.all(opened.map((receiver) => receiver.close()));
      }
    });
  }
});
