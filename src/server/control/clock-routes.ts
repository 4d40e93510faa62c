/**
 * @module server/control/clock-routes — the virtual clock under `/_groupgate/clock`: read it, advance it, freeze it,
 * return it to real time. Time only moves forward, as on a Stripe test clock; DELETE is the one way back. The state
 * is the store's, so on PostgreSQL every instance follows (server/clock/virtual-clock).
 */
import {
  MAX_CLOCK_STEP_SECONDS,
  type AdvanceClockBody,
  type ClockReading,
  type FreezeClockBody,
} from '@groupgate/sdk/contract';
import type { FastifyInstance } from 'fastify';
import { GRAPH_ERRORS } from '../../domain/error-catalog.js';
import type { ControlDependencies } from './dependencies.js';
import { controlError } from './sandbox.js';
import { ERROR_RESPONSE, SECURED, TAGS } from './schemas.js';

const CLOCK_READING = {
  type: 'object',
  properties: {
    now: { type: 'integer', description: 'Unix seconds, as Graph timestamps are.' },
    now_iso: { type: 'string', description: 'The same instant, ISO 8601 with milliseconds.' },
    offset_seconds: { type: 'number', description: 'How far ahead of the wall clock (ms precision).' },
    frozen: { type: 'boolean' },
    frozen_at: { type: ['integer', 'null'], description: 'Unix seconds time stands still at.' },
  },
};

/** The last second a Date can show (9999-12-31T23:59:59Z): past it there is no ISO form to answer. */
const LAST_SECOND = 253_402_300_799;

export function registerClockRoutes(app: FastifyInstance, deps: ControlDependencies): void {
  const clock = deps.virtualClock;

  app.get(
    '/clock',
    {
      schema: {
        tags: TAGS,
        summary:
          'The virtual clock every time Groupgate reads comes from: creation timestamps, token expiry, webhook retries and their window, the delivery log retention.',
        security: SECURED,
        response: { 200: CLOCK_READING, '4xx': ERROR_RESPONSE },
      },
    },
    async () => clock.reading() satisfies ClockReading,
  );

  app.post(
    '/clock/advance',
    {
      schema: {
        tags: TAGS,
        summary: `Move the clock forward by \`seconds\` (0.001 ≤ seconds ≤ ${MAX_CLOCK_STEP_SECONDS}, ten years), frozen or not. Webhook retries it moves past are sent at once.`,
        security: SECURED,
        body: {
          type: 'object',
          required: ['seconds'],
          additionalProperties: false,
          // The clock keeps milliseconds: a step below one would move it by nothing.
          properties: { seconds: { type: 'number', minimum: 0.001, maximum: MAX_CLOCK_STEP_SECONDS } },
        },
        response: { 200: CLOCK_READING, '4xx': ERROR_RESPONSE },
      },
    },
    async (request) => {
      const { seconds } = request.body as AdvanceClockBody;
      if (clock.nowMs() + seconds * 1000 > LAST_SECOND * 1000) {
        throw controlError(GRAPH_ERRORS.CONTROL_INVALID_PARAMETER, 'The clock cannot go past the year 9999.');
      }
      return (await clock.advance(seconds)) satisfies ClockReading;
    },
  );

  app.put(
    '/clock',
    {
      schema: {
        tags: TAGS,
        summary:
          'Freeze the clock: at `frozen_at` (Unix seconds, not before the current second, at most ten years ahead), or at this instant. It stays there until advanced or returned to real time.',
        security: SECURED,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { frozen_at: { type: 'integer', minimum: 0, maximum: LAST_SECOND } },
        },
        response: { 200: CLOCK_READING, '4xx': ERROR_RESPONSE },
      },
    },
    async (request) => {
      const at = (request.body as FreezeClockBody | undefined)?.frozen_at;
      if (at !== undefined && at - clock.nowSeconds() > MAX_CLOCK_STEP_SECONDS) {
        throw controlError(
          GRAPH_ERRORS.CONTROL_INVALID_PARAMETER,
          `frozen_at ${at} is more than ${MAX_CLOCK_STEP_SECONDS} seconds (ten years) ahead of the clock.`,
        );
      }
      const result = await clock.freeze(at);
      if ('refused' in result) {
        const now = Math.floor(result.nowMs / 1000);
        throw controlError(
          GRAPH_ERRORS.CONTROL_INVALID_PARAMETER,
          `frozen_at ${at} is before the clock's current time ${now}: the clock only moves forward. DELETE /_groupgate/clock returns it to real time.`,
        );
      }
      return result satisfies ClockReading;
    },
  );

  app.delete(
    '/clock',
    {
      schema: {
        tags: TAGS,
        summary:
          'Back to real time: no offset, running. The one way the clock moves back; times already stamped stay as they were, and every rate-limit window starts afresh.',
        security: SECURED,
        response: { 200: CLOCK_READING, '4xx': ERROR_RESPONSE },
      },
    },
    async () => {
      const reading = await clock.toRealTime();
      // Calls counted while the clock was ahead sit in the future now: every limit window starts afresh.
      await deps.store.clearRateWindows();
      return reading satisfies ClockReading;
    },
  );
}
