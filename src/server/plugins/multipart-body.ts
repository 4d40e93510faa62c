/**
 * @module server/plugins/multipart-body — reads a multipart/form-data body into `request.body` before any route or
 * authentication runs: fields as strings (a repeated name as an array), the picture as a Buffer. @fastify/multipart's
 * `attachFieldsToBody` let the parser's own failures through untyped, so a body without `boundary=` or with a
 * broken part was a 500; here a body that cannot be read is always the client's (#100), and the limits keep the
 * errors the error handler words for them.
 */
import type { FastifyInstance } from 'fastify';
import { GraphError, invalidParameter } from '../graph-error.js';
import { decodeUtf8, NOT_UTF8 } from './strict-decoding.js';

/**
 * A field value as sent: busboy hands it over as latin1 (`defCharset`, one character a byte) so that bytes that
 * are not UTF-8 are seen here rather than replaced by U+FFFD; they become a lone surrogate the text guard refuses.
 * A part typed application/json arrives already parsed by @fastify/multipart, from that latin1 text: its ASCII is
 * right, but a non-ASCII character could be a raw byte or a `\u` escape, so it is refused rather than guessed.
 */
function fieldText(name: string, value: unknown, parsedAsJson: boolean): unknown {
  if (!parsedAsJson)
    return typeof value === 'string' ? (decodeUtf8(Buffer.from(value, 'latin1')) ?? NOT_UTF8) : value;
  if (/[\u0080-\uffff]/.test(JSON.stringify(value) ?? '')) {
    throw invalidParameter(
      `Param ${name} is a part typed application/json holding text beyond ASCII, which cannot be read reliably: send it as text`,
    );
  }
  return value;
}

/** The plugin's own errors (limits, a field named after a prototype property) carry a client status. */
function isClientError(error: unknown): boolean {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500;
}

const BOUNDARY = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i;

/**
 * Watches a multipart body for its closing delimiter (`--boundary--` at the start of a line). busboy reports a body
 * that ends without one ("Unexpected end of multipart data"), but @fastify/multipart ends the parts quietly then,
 * so a cut-off body read as a complete one without its last field.
 */
function closingDelimiterWatch(stream: NodeJS.ReadableStream, contentType: string): () => boolean {
  const match = BOUNDARY.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (boundary === undefined) return () => false;
  const closing = Buffer.from(`\r\n--${boundary}--`);
  let seen = false;
  // The end of the previous chunk, so that a delimiter split across chunks is found; the body's start counts as
  // the start of a line.
  let tail = Buffer.from('\r\n');
  const onData = (chunk: Buffer): void => {
    const window = Buffer.concat([tail, chunk]);
    if (window.includes(closing)) {
      seen = true;
      stream.removeListener('data', onData);
      return;
    }
    tail = window.subarray(Math.max(0, window.length - closing.length + 1));
  };
  stream.on('data', onData);
  return () => {
    stream.removeListener('data', onData);
    return seen;
  };
}

export function registerMultipartBody(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    if (!request.isMultipart()) return;
    // No prototype: field names are the client's.
    const body = Object.create(null) as Record<string, unknown>;
    // Set up in the same tick as the parts below, which pipe the request into busboy: no chunk is missed by either.
    const closed = closingDelimiterWatch(request.raw, String(request.headers['content-type'] ?? ''));
    try {
      for await (const part of request.parts()) {
        const value =
          part.type === 'file'
            ? await part.toBuffer()
            : fieldText(part.fieldname, part.value, part.mimetype === 'application/json');
        const previous = body[part.fieldname];
        body[part.fieldname] =
          previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
      }
    } catch (error) {
      if (error instanceof GraphError || isClientError(error)) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw invalidParameter(`The multipart/form-data body cannot be read (${reason})`);
    }
    if (!closed()) {
      throw invalidParameter(
        'The multipart/form-data body cannot be read (it ends before its closing boundary: a part may be lost)',
      );
    }
    request.body = body;
  });
}
