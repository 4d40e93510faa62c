/**
 * @module server/plugins/nul-guard — refuses U+0000 anywhere a client puts text (path, query, body, the
 * Authorization header) before any route or store sees it. PostgreSQL cannot hold it in text, so a lookup or a
 * write with it was a 500 there, while SQLite stored it: now both backends answer alike, (#100) and nothing stored.
 */
import type { FastifyInstance } from 'fastify';
import { invalidParameter } from '../graph-error.js';

const NUL = '\u0000';

/** Whether a string (or a key) anywhere in `root` holds U+0000. Allocates nothing per item: it runs on every call. */
function holdsNul(root: unknown): boolean {
  const pending: unknown[] = [root];
  for (let value = pending.pop(); pending.length > 0 || value !== undefined; value = pending.pop()) {
    if (typeof value === 'string') {
      if (value.includes(NUL)) return true;
    } else if (Array.isArray(value)) {
      for (const item of value) pending.push(item);
    } else if (typeof value === 'object' && value !== null && !Buffer.isBuffer(value)) {
      for (const key in value) {
        if (key.includes(NUL)) return true;
        pending.push((value as Record<string, unknown>)[key]);
      }
    }
  }
  return false;
}

/**
 * Where in `root` a string (or a key) holds U+0000, as `name`, `name[2]` or `name.key`; undefined when none does.
 * Iterative, so that a deeply nested JSON body cannot exhaust the stack. Names are built only once `holdsNul` has
 * found one: a call approving a thousand ids would otherwise build a thousand of them for nothing.
 */
export function nulAt(root: unknown, name: string): string | undefined {
  if (!holdsNul(root)) return undefined;
  const pending: [unknown, string][] = [[root, name]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [value, where] = next;
    if (typeof value === 'string') {
      if (value.includes(NUL)) return where;
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => pending.push([item, `${where}[${i}]`]));
    } else if (typeof value === 'object' && value !== null && !Buffer.isBuffer(value)) {
      for (const [key, item] of Object.entries(value)) {
        if (key.includes(NUL)) return where;
        pending.push([item, where === '' ? key : `${where}.${key}`]);
      }
    }
  }
  return undefined;
}

export function registerNulGuard(app: FastifyInstance): void {
  // After the body parsers and the multipart reader, before validation, authentication and every handler.
  app.addHook('preValidation', async (request) => {
    if (nulAt(request.params, '') !== undefined) {
      throw invalidParameter('The request path must not contain the NUL character (%00)');
    }
    if (nulAt(request.headers.authorization, 'Authorization') !== undefined) {
      throw invalidParameter('The Authorization header must not contain the NUL character');
    }
    const where = nulAt(request.query, '') ?? nulAt(request.body, '');
    if (where !== undefined) {
      throw invalidParameter(
        `Param ${where === '' ? 'body' : where} must not contain the NUL character (U+0000)`,
      );
    }
  });
}
