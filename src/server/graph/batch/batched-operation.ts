/**
 * @module server/graph/batch/batched-operation — tells an operation a batch injected from a call a client sent.
 * A batched operation has no connection of its own: a network fault that fires on it must act on the batch's
 * connection instead, so the operation carries a marker no client can forge (a value made at start).
 */
import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

export const BATCHED_OPERATION_HEADER = 'x-groupgate-batched-operation';
export const BATCHED_OPERATION_MARK = randomBytes(16).toString('hex');
/** How a batched operation tells its batch that a network fault cut it: the effect, in this header. */
export const CUT_HEADER = 'x-groupgate-cut';

export function isBatchedOperation(request: FastifyRequest): boolean {
  return request.headers[BATCHED_OPERATION_HEADER] === BATCHED_OPERATION_MARK;
}
