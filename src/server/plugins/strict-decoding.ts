/**
 * @module server/plugins/strict-decoding — bodies and query strings are decoded strictly. Node's and Fastify's
 * defaults turn bytes that are not UTF-8 (raw in a body, or percent-encoded like `%FF`) into U+FFFD, so a client's
 * text was stored as something it never sent, with a 200. Here a body that is not UTF-8 is refused, and a form or
 * query value whose percent-decoded bytes are not UTF-8 becomes a lone surrogate, which the text guard
 * (`text-guard.ts`) refuses naming the parameter: one check for every way ill-formed text arrives.
 */
import { parse as parseQueryString, type ParsedUrlQuery } from 'node:querystring';
import type { FastifyInstance } from 'fastify';
import { GRAPH_ERRORS } from '../../domain/error-catalog.js';
import { GraphError, invalidParameter } from '../graph-error.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Bytes as UTF-8 text, or undefined when they are not UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Stands for a value whose bytes are not UTF-8: a lone surrogate never comes out of a strict decoder otherwise. */
export const NOT_UTF8 = '\ud800';

const HEX = /^[0-9a-fA-F]{2}$/;

/** The bytes `text` stands for: its UTF-8 with each valid `%XX` escape replaced by the byte it names. */
function percentDecodedBytes(text: string): Buffer {
  const raw = Buffer.from(text, 'utf8');
  const bytes = Buffer.allocUnsafe(raw.length);
  let length = 0;
  for (let i = 0; i < raw.length; i += 1) {
    const escape = raw[i] === 0x25 ? raw.toString('latin1', i + 1, i + 3) : '';
    if (HEX.test(escape)) {
      bytes[length++] = Number.parseInt(escape, 16);
      i += 2;
    } else {
      bytes[length++] = raw[i] ?? 0;
    }
  }
  return bytes.subarray(0, length);
}

/**
 * Percent-decoding (`+` is already a space: querystring handles it) whose bytes must be UTF-8. Malformed escapes
 * (`%zz`) stay as written, as browsers' URLSearchParams keeps them; querystring calls this only for text holding `%`.
 */
function decodeComponent(text: string): string {
  return decodeUtf8(percentDecodedBytes(text)) ?? NOT_UTF8;
}

/** A form body or query string, strictly decoded; null-prototype object, arrays for repeated keys. */
export function parseFormStrict(text: string): ParsedUrlQuery {
  return parseQueryString(text, undefined, undefined, { decodeURIComponent: decodeComponent });
}

/** A body whose bytes are not UTF-8: no parameter can be named, since the body cannot be read. */
const notUtf8Body = () => invalidParameter('The request body is not valid UTF-8 text');

/**
 * What is wrong with a JSON body Fastify's parser refused; only runs once it has. Either it is not JSON (say where,
 * in the words of JSON.parse), or it is JSON holding a `__proto__` key or a `constructor` key holding `prototype`,
 * which secure-json-parse refuses so that no body can reach an object's prototype.
 */
function isInvalidJson(error: Error): boolean {
  return (error as { code?: unknown }).code === 'FST_ERR_CTP_INVALID_JSON_BODY';
}

function whyNotJson(text: string): GraphError {
  try {
    JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return new GraphError(GRAPH_ERRORS.INVALID_JSON, {
      details: `The request body is not valid JSON: ${reason}`,
    });
  }
  return invalidParameter(
    'The JSON body holds a "__proto__" key, or a "constructor" key holding "prototype": keys that could reach an object\'s prototype are refused',
  );
}

/** JSON and form bodies read as bytes and decoded strictly; JSON then parsed by Fastify's own (secure) parser. */
export function registerStrictBodyParsers(app: FastifyInstance, bodyLimit: number): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, (request, body, done) => {
    // No body at all is no parameters, not invalid JSON: a client generated from Meta's spec sends the
    // Content-Type the spec marks required on every call, DELETE /{group_id} and GETs included.
    if ((body as Buffer).length === 0) {
      done(null, undefined);
      return;
    }
    const text = decodeUtf8(body as Buffer);
    if (text === undefined) {
      done(notUtf8Body(), undefined);
      return;
    }
    parseJson(request, text, (error, parsed) => {
      if (error === null) done(null, parsed);
      else done(isInvalidJson(error) ? whyNotJson(text) : error, undefined);
    });
  });
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'buffer', bodyLimit },
    (_request, body, done) => {
      const text = decodeUtf8(body as Buffer);
      if (text === undefined) done(notUtf8Body(), undefined);
      else done(null, parseFormStrict(text));
    },
  );
}
