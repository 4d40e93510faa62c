/**
 * @module server/plugins/multipart-body — reads a multipart/form-data body into `request.body` before any route or
 * authentication runs: fields as strings (a repeated name as an array), the picture as a Buffer. @fastify/multipart's
 * `attachFieldsToBody` let the parser's own failures through untyped, so a body without `boundary=` or with a
 * broken part was a 500; here a body that cannot be read is always the client's (#100), and the limits keep the
 * errors the error handler words for them.
 */
import type { FastifyInstance } from 'fastify';
import { invalidParameter } from '../graph-error.js';
import { decodeUtf8, NOT_UTF8 } from './strict-decoding.js';

/**
 * A field value as sent: busboy hands it over as latin1 (`defCharset`, one character a byte) so that bytes that
 * are not UTF-8 are seen here rather than replaced by U+FFFD; they become a lone surrogate the text guard refuses.
 */
function fieldText(value: unknown): unknown {
  return typeof value === 'string' ? (decodeUtf8(Buffer.from(value, 'latin1')) ?? NOT_UTF8) : value;
}

/** The plugin's own errors (limits, a field named after a prototype property) carry a client status. */
function isClientError(error: unknown): boolean {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500;
}

export function registerMultipartBody(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    if (!request.isMultipart()) return;
    // No prototype: field names are the client's.
    const body = Object.create(null) as Record<string, unknown>;
    try {
      for await (const part of request.parts()) {
        const value = part.type === 'file' ? await part.toBuffer() : fieldText(part.value);
        const previous = body[part.fieldname];
        body[part.fieldname] =
          previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
      }
    } catch (error) {
      if (isClientError(error)) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw invalidParameter(`The multipart/form-data body cannot be read (${reason})`);
    }
    request.body = body;
  });
}
