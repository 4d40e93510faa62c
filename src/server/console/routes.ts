/**
 * @module server/console/routes — serves the moderation console at `/console`: its page and stylesheet, its
 * compiled modules, the SDK's browser build and two small libraries (Preact, htm), all as plain ES modules wired by
 * an import map, so the user runs no build step. Only files on these lists are served: no directory is exposed.
 */
import { createHash } from 'node:crypto';
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
  '.ico': 'image/x-icon',
};

/**
 * The page's inline import map is the only inline script; the policy names it by hash, so nothing else inline
 * (an injected script, an event-handler attribute) can run. Computed from the page as served.
 */
function contentSecurityPolicy(page: string): string {
  const inline = [...page.matchAll(/<script type="importmap">([\s\S]*?)<\/script>/g)].map(
    (match) =>
      `'sha256-${createHash('sha256')
        .update(match[1] ?? '')
        .digest('base64')}'`,
  );
  return [
    "default-src 'none'",
    `script-src 'self' ${inline.join(' ')}`.trim(),
    "style-src 'self'",
    "img-src 'self' data:",
    // The console talks only to this server: Graph calls and the control API's delivery log.
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** What every console response carries: no sniffing of types, no framing, no referrer leaving the page. */
const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
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

let pagePolicy: string | undefined;

async function sendPage(reply: FastifyReply): Promise<FastifyReply> {
  if (pagePolicy === undefined) {
    pagePolicy = contentSecurityPolicy(await readFile(join(PUBLIC, 'index.html'), 'utf8'));
  }
  return send(reply.header('content-security-policy', pagePolicy), join(PUBLIC, 'index.html'));
}

export async function consoleRoutes(app: FastifyInstance): Promise<void> {
  app.addHook('onSend', async (_request, reply) => {
    reply.headers(SECURITY_HEADERS);
  });
  // Browsers ask for it on their own; without it the Graph router would answer a 400.
  app.get('/favicon.ico', (_request, reply) => send(reply, join(PUBLIC, 'favicon.ico')));
  const page = (_request: unknown, reply: FastifyReply) => sendPage(reply);
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
