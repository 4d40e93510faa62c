/**
 * @module server/plugins/log-redaction — no log line carries a secret. Tokens reach the logs inside URLs
 * (`?access_token=`, `/_groupgate/tokens/{token}`), in headers, and in error messages that quote a URL, so besides
 * censoring the header fields, every line is scrubbed on its way out: whatever logged it, and however.
 */
import type { FastifyServerOptions } from 'fastify';
import type { LogLevel } from '../../config.js';

export const REDACTED = '[REDACTED]';

/**
 * A pattern matching `word` however a client spelled it in a URL: any character may be percent-encoded
 * (`access%5Ftoken`, `%61ccess_token`), which the query parser and the router decode before use, so a log line
 * carries the raw spelling. Used with the `i` flag, which also covers the hex digits' case.
 */
function spelledAnyway(word: string): string {
  return [...word]
    .map((char) => {
      const hex = char.charCodeAt(0).toString(16).padStart(2, '0');
      return `(?:${char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}|%${hex})`;
    })
    .join('');
}

/** The parameters known to carry a credential, by the names Graph and Groupgate give them. */
const CREDENTIAL_NAMES = [
  'access_token',
  'appsecret_proof',
  'verify_token',
  'app_secret',
  'client_secret',
  'password',
] as const;
const CREDENTIAL_PARAMETERS = CREDENTIAL_NAMES.map(spelledAnyway);

/**
 * Whether a parameter, property or header of this name holds a secret: the credential names above, and any name
 * that says token, secret, password, proof or authorization (`refresh_token`, `X-Api-Secret`, `Cookie`). What is
 * kept of a request (the request journal) drops such values whole; log lines are scrubbed by `redactSecrets`.
 */
export function isSecretName(name: string): boolean {
  const lower = name.toLowerCase();
  return (
    (CREDENTIAL_NAMES as readonly string[]).includes(lower) ||
    /token|secret|passw|proof|authori[sz]ation|cookie/.test(lower)
  );
}
/** A parameter name's bracket suffixes, which qs reads as arrays and objects: `access_token[]=`, `[0]`, `%5B%5D`. */
const BRACKETS = String.raw`(?:\[[^\]=&\s]*\]|%5b(?:(?!%5d)[^=&\s])*%5d)*`;
/** A value in a query string or form body, up to its end or the next parameter. */
const PARAM_VALUE = String.raw`[^&\s"'#\\]+`;
const SLASHES = String.raw`(?:/|%2f)+`;
/** A character of a token, as sent or percent-encoded. */
const TOKEN_CHAR = String.raw`(?:[A-Za-z0-9]|%[0-9a-f]{2})`;

const SECRETS: readonly [RegExp, string][] = [
  // Parameters that carry a credential, in a query string or a form body, however the name is spelled.
  [
    new RegExp(
      String.raw`((?<![A-Za-z0-9_%])(?:${CREDENTIAL_PARAMETERS.join('|')})${BRACKETS}=)${PARAM_VALUE}`,
      'gi',
    ),
    `$1${REDACTED}`,
  ],
  // The same names as JSON properties (a logged body), quoted plainly or inside a JSON string.
  [
    /((?:\\?")(?:access_token|appsecret_proof|verify_token|app_secret|client_secret|password)\\?"\s*:\s*\\?")[^"\\]+/gi,
    `$1${REDACTED}`,
  ],
  // The control API's token paths, however the router would still reach them: encoded, with doubled slashes.
  [
    new RegExp(
      String.raw`(${SLASHES}${spelledAnyway('_groupgate')}${SLASHES}${spelledAnyway('tokens')}${SLASHES})[^/?\s"'#\\]+`,
      'gi',
    ),
    `$1${REDACTED}`,
  ],
  // Authorization values quoted in a message.
  [/\b(Bearer|OAuth)\s+[^\s"'\\]+/gi, `$1 ${REDACTED}`],
  // Whatever the context: anything shaped like a token Groupgate issues (src/domain/ids.ts), encoded or not.
  [
    new RegExp(
      String.raw`${spelledAnyway('EAAG')}${TOKEN_CHAR}{16,}|${spelledAnyway('ggadmin_')}${TOKEN_CHAR}{8,}`,
      'gi',
    ),
    REDACTED,
  ],
  // A URL's user:password@ (a database URL in an error, say).
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#@\s"'\\]*:)[^@/?#\s"'\\]+@/gi, `$1${REDACTED}@`],
];

/**
 * Text no pattern above can match: each needs one of these (a parameter's `=`, a JSON property's quote, a
 * percent-encoding, a URL's `@`, a scheme or token prefix, the token path). Most text is plain, such as ids and
 * paths, and skips the patterns: the request journal scrubs every string of every call.
 */
const MAYBE_SECRET = /[=%"@]|bearer|oauth|eaag|ggadmin_|tokens/i;

/** `text` with every credential it holds replaced by [REDACTED]. */
export function redactSecrets(text: string): string {
  if (!MAYBE_SECRET.test(text)) return text;
  let redacted = text;
  for (const [pattern, replacement] of SECRETS) redacted = redacted.replace(pattern, replacement);
  return redacted;
}

/** Fastify's logger options: pino at `level`, header credentials censored, and each line scrubbed. */
export function loggerOptions(level: LogLevel): NonNullable<FastifyServerOptions['logger']> {
  return {
    level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie'],
      censor: REDACTED,
    },
    stream: { write: (line: string) => process.stdout.write(redactSecrets(line)) },
  };
}
