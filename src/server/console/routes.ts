/**
 * @module server/console/routes — serves the moderation console at `/console`: its page and stylesheet, its
 * compiled modules, the SDK's browser build and two small libraries (Preact, htm), all as plain ES modules wired by
 * an import map, so the user runs no build step. Only files on these lists are served: no directory is exposed.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PUBLIC = join(ROOT, 'console/public');
const APP = join(ROOT, 'dist/console');
const require = createRequire(import.meta.url);
/** A file beside a package's main module (htm exports no package.json to find its folder by). */
const besideMain = (specifier: string, file: string) => join(dirname(require.resolve(specifier)), file);

// Resolved on first use: the console is not on the API's start-up path.
let sdkFolder: string | undefined;
const sdk = () => (sdkFolder ??= dirname(fileURLToPath(import.meta.resolve('@groupgate/sdk'))));
// A Map, so that a requested name such as `constructor` finds nothing rather than what objects inherit.
let vendor: ReadonlyMap<string, string> | undefined;
const vendorFiles = () =>
  (vendor ??= new Map([
    ['preact.js', besideMain('preact', 'preact.module.js')],
    ['preact-hooks.js', besideMain('preact/hooks', 'hooks.module.js')],
    ['htm.js', besideMain('htm', 'htm.module.js')],
  ]));

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** A module path under a served folder: lower-case names, sub-folders, no `..`. */
const MODULE_PATH = /^(?:[a-z0-9_-]+\/)*[a-z0-9_.-]+\.(?:js|js\.map)$/;

async function send(reply: FastifyReply, file: string): Promise<FastifyReply> {
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    reply.callNotFound();
    return reply;
  }
  const type = TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream';
  // Pages and modules change with each release; revalidating is cheap on localhost.
  return reply.header('content-type', type).header('cache-control', 'no-cache').send(body);
}

export async function consoleRoutes(app: FastifyInstance): Promise<void> {
  const page = (_request: unknown, reply: FastifyReply) => send(reply, join(PUBLIC, 'index.html'));
  app.get('/console', page);
  app.get('/console/static/console.css', (_request, reply) => send(reply, join(PUBLIC, 'console.css')));
  app.get('/console/vendor/:file', (request, reply) => {
    const file = vendorFiles().get((request.params as { file: string }).file);
    if (file !== undefined) return send(reply, file);
    reply.callNotFound();
    return reply;
  });
  for (const [prefix, folder] of [
    ['/console/app/', () => APP],
    ['/console/sdk/', sdk],
  ] as const) {
    app.get(`${prefix}*`, (request, reply) => {
      const path = (request.params as { '*': string })['*'];
      if (MODULE_PATH.test(path) && !path.includes('..')) return send(reply, join(folder(), path));
      reply.callNotFound();
      return reply;
    });
  }
}
