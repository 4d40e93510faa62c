/**
 * @module server/plugins/log-redaction — no log line carries a secret. Tokens reach the logs inside URLs
 * (`?access_token=`, `/_groupgate/tokens/{token}`), in headers, and in error messages that quote a URL, so besides
 * censoring the header fields, every line is scrubbed on its way out: whatever logged it, and however.
 */
import type { FastifyServerOptions } from 'fastify';
import type { LogLevel } from '../../config.js';

export const REDACTED = '[REDACTED]';

const SECRETS: readonly [RegExp, string][] = [
  // Parameters that carry a credential, in a query string or a form body.
  [
    /\b((?:access_token|appsecret_proof|verify_token|app_secret|client_secret)=)[^&\s"'#\\]+/gi,
    `$1${REDACTED}`,
  ],
  // The control API's token paths.
  [/(\/_groupgate\/tokens\/)[^/?\s"'#\\]+/g, `$1${REDACTED}`],
  // Authorization values quoted in a message.
  [/\b(Bearer|OAuth)\s+[^\s"'\\]+/gi, `$1 ${REDACTED}`],
];

/** `text` with every credential it holds replaced by [REDACTED]. */
export function redactSecrets(text: string): string {
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
