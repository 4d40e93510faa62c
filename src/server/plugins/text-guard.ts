/**
 * @module server/plugins/text-guard — refuses text that Groupgate could not store as it was sent, anywhere a client
 * puts it (path, query, body, the Authorization header), before any route or store sees it:
 * - U+0000: PostgreSQL cannot hold it in text (a lookup or a write with it was a 500 there) while SQLite stored it;
 * - text that is not well-formed Unicode (a lone surrogate such as `"\ud800"` in JSON, or bytes that are not UTF-8,
 *   which the strict decoders in `strict-decoding.ts` turn into one): SQLite stored three U+FFFD for it,
 *   PostgreSQL one, and a webhook reported the original, so 128 of them passed the 128-character subject limit.
 * Both backends now answer alike: (#100) naming the parameter, nothing stored.
 */
import type { FastifyInstance } from 'fastify';
import { invalidParameter } from '../graph-error.js';

const NUL = '\u0000';

type Flaw = 'nul' | 'ill-formed';

function flawOf(text: string): Flaw | undefined {
  if (text.includes(NUL)) return 'nul';
  return text.isWellFormed() ? undefined : 'ill-formed';
}

/** Whether a string (or a key) anywhere in `root` is flawed. Allocates nothing per item: it runs on every call. */
function holdsFlaw(root: unknown): boolean {
  // Most roots are nothing or one string (no body, the Authorization header): no walk for those.
  if (root === undefined || root === null) return false;
  if (typeof root === 'string') return flawOf(root) !== undefined;
  const pending: unknown[] = [root];
  // A YAML body may hold the same node twice, or itself (an alias inside its anchor): each is read once.
  const seen = new Set<object>();
  for (let value = pending.pop(); pending.length > 0 || value !== undefined; value = pending.pop()) {
    if (typeof value === 'object' && value !== null) {
      if (seen.has(value)) continue;
      seen.add(value);
    }
    if (typeof value === 'string') {
      if (value.includes(NUL) || !value.isWellFormed()) return true;
    } else if (Array.isArray(value)) {
      for (const item of value) pending.push(item);
    } else if (typeof value === 'object' && value !== null && !Buffer.isBuffer(value)) {
      for (const key in value) {
        if (key.includes(NUL) || !key.isWellFormed()) return true;
        pending.push((value as Record<string, unknown>)[key]);
      }
    }
  }
  return false;
}

/**
 * Where in `root` a string (or a key) is flawed, as `name`, `name[2]` or `name.key`, and how; undefined when none
 * is. Iterative, so that a deeply nested JSON body cannot exhaust the stack. Names are built only once `holdsFlaw`
 * has found one: a call approving a thousand ids would otherwise build a thousand of them for nothing.
 */
export function flawedTextAt(root: unknown, name: string): { where: string; flaw: Flaw } | undefined {
  if (!holdsFlaw(root)) return undefined;
  const pending: [unknown, string][] = [[root, name]];
  const seen = new Set<object>();
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [value, where] = next;
    if (typeof value === 'object' && value !== null) {
      if (seen.has(value)) continue;
      seen.add(value);
    }
    if (typeof value === 'string') {
      const flaw = flawOf(value);
      if (flaw !== undefined) return { where, flaw };
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => pending.push([item, `${where}[${i}]`]));
    } else if (typeof value === 'object' && value !== null && !Buffer.isBuffer(value)) {
      for (const [key, item] of Object.entries(value)) {
        const flaw = flawOf(key);
        if (flaw !== undefined) return { where, flaw };
        pending.push([item, where === '' ? key : `${where}.${key}`]);
      }
    }
  }
  return undefined;
}

const WHAT_IS_WRONG: Record<Flaw, string> = {
  nul: 'must not contain the NUL character (U+0000)',
  'ill-formed': 'must be well-formed UTF-8 text (it holds bytes that are not UTF-8, or a lone surrogate)',
};

export function registerTextGuard(app: FastifyInstance): void {
  // After the body parsers and the multipart reader, before validation, authentication and every handler.
  app.addHook('preValidation', async (request) => {
    const inPath = flawedTextAt(request.params, '');
    if (inPath?.flaw === 'nul') {
      throw invalidParameter('The request path must not contain the NUL character (%00)');
    }
    if (inPath !== undefined) {
      throw invalidParameter(`The request path ${WHAT_IS_WRONG[inPath.flaw]}`);
    }
    const inHeader = flawedTextAt(request.headers.authorization, 'Authorization');
    if (inHeader !== undefined) {
      throw invalidParameter(`The Authorization header ${WHAT_IS_WRONG[inHeader.flaw]}`);
    }
    const found = flawedTextAt(request.query, '') ?? flawedTextAt(request.body, '');
    if (found !== undefined) {
      throw invalidParameter(
        `Param ${found.where === '' ? 'body' : found.where} ${WHAT_IS_WRONG[found.flaw]}`,
      );
    }
  });
}
