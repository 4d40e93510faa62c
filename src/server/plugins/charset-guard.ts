/**
 * @module server/plugins/charset-guard — bodies are read as UTF-8, the only encoding JSON allows (RFC 8259) and the
 * one Graph clients send. A body declared in another charset (`application/json; charset=utf-16`, a latin-1 form)
 * would be misread into garbled text and stored as if it were right, so it is refused before it is read.
 */
import type { FastifyInstance } from 'fastify';
import { GRAPH_ERRORS } from '../../domain/error-catalog.js';
import { GraphError } from '../graph-error.js';

const READ_AS_UTF8 = new Set(['utf-8', 'utf8', 'us-ascii']);
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)/i;

export function registerCharsetGuard(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    const contentType = request.headers['content-type'];
    if (contentType === undefined) return;
    const charset = CHARSET.exec(contentType)?.[1]?.toLowerCase();
    if (charset !== undefined && !READ_AS_UTF8.has(charset)) {
      throw new GraphError(GRAPH_ERRORS.UNSUPPORTED_CONTENT_TYPE, {
        params: { contentType },
        details: 'Bodies are read as UTF-8: send charset=utf-8, or no charset.',
      });
    }
  });
}
