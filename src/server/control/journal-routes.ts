/**
 * @module server/control/journal-routes — the request journal, read back: `GET /requests` (newest first, cursor
 * paging), `GET /requests/count` for assertions ("exactly 3 approvals on this group"), `DELETE /requests`. Each
 * read first writes what this instance has answered but not yet written, so a test sees every call whose answer it
 * already has (server/journal).
 */
import type {
  RecordedRequest,
  RequestsCleared,
  RequestsCount,
  RequestsFilter,
  RequestsPage,
  RequestsQuery,
} from '@groupgate/sdk/contract';
import type { FastifyInstance } from 'fastify';
import { GRAPH_ERRORS } from '../../domain/error-catalog.js';
import type { JournalEntryRecord, JournalFilter } from '../../domain/journal.js';
import type { ControlDependencies } from './dependencies.js';
import { controlError } from './sandbox.js';
import { ERROR_RESPONSE, SECURED, TAGS } from './schemas.js';

const FILTER_PROPERTIES = {
  waba_id: { type: 'string', maxLength: 64 },
  phone_number_id: { type: 'string', maxLength: 64 },
  group_id: { type: 'string', maxLength: 512 },
  method: { type: 'string', pattern: '^[A-Za-z]{1,16}$', description: 'As served: GET, POST, DELETE …' },
  edge: { type: 'string', maxLength: 64 },
  status: {
    type: 'integer',
    minimum: 0,
    maximum: 599,
    description: '0: no answer was sent (an injected network fault cut the connection).',
  },
  code: { type: 'integer', minimum: 0, maximum: 2_147_483_647 },
  since: {
    type: 'integer',
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    description: 'Unix milliseconds.',
  },
};

const ENTRY = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    time: { type: 'integer', description: 'Unix milliseconds.' },
    method: { type: 'string' },
    http_method: { type: 'string' },
    path: { type: 'string' },
    edge: { type: ['string', 'null'] },
    status: { type: 'integer' },
    error_code: { type: ['integer', 'null'] },
    error_subcode: { type: ['integer', 'null'] },
    fbtrace_id: { type: 'string' },
    duration_ms: { type: 'number' },
    waba_id: { type: ['string', 'null'] },
    phone_number_id: { type: ['string', 'null'] },
    group_id: { type: ['string', 'null'] },
    fault: { type: ['object', 'null'], additionalProperties: true },
    query: { type: 'object', additionalProperties: true },
    body: { description: 'Redacted; the first 8 KiB of its JSON as a string when body_truncated.' },
    body_truncated: { type: 'boolean' },
    headers: { type: 'object', additionalProperties: true },
  },
};

/** The method filter takes any case; the journal keeps methods upper case. */
function toFilter(query: RequestsFilter): JournalFilter {
  return {
    ...(query.waba_id !== undefined && { wabaId: query.waba_id }),
    ...(query.phone_number_id !== undefined && { phoneNumberId: query.phone_number_id }),
    ...(query.group_id !== undefined && { groupId: query.group_id }),
    ...(query.method !== undefined && { method: query.method.toUpperCase() }),
    ...(query.edge !== undefined && { edge: query.edge }),
    ...(query.status !== undefined && { status: query.status }),
    ...(query.code !== undefined && { errorCode: query.code }),
    ...(query.since !== undefined && { since: query.since }),
  };
}

function render(entry: JournalEntryRecord): RecordedRequest {
  const request = JSON.parse(entry.requestJson) as Pick<
    RecordedRequest,
    'query' | 'body' | 'body_truncated' | 'headers'
  >;
  return {
    id: entry.id,
    time: entry.time,
    method: entry.method,
    http_method: entry.httpMethod,
    path: entry.path,
    edge: entry.edge,
    status: entry.status,
    error_code: entry.errorCode,
    error_subcode: entry.errorSubcode,
    fbtrace_id: entry.fbtraceId,
    duration_ms: entry.durationMs,
    waba_id: entry.wabaId,
    phone_number_id: entry.phoneNumberId,
    group_id: entry.groupId,
    fault:
      entry.faultRuleId === null && entry.faultEffect === null
        ? null
        : { rule_id: entry.faultRuleId, effect: entry.faultEffect },
    query: request.query,
    body: request.body,
    body_truncated: request.body_truncated,
    headers: request.headers,
  };
}

const CURSOR = /^[1-9][0-9]{0,15}$/;

export function registerJournalRoutes(app: FastifyInstance, deps: ControlDependencies): void {
  const { store, journal } = deps;
  const journalOn = async () => {
    if (journal === undefined) {
      throw controlError(
        GRAPH_ERRORS.CONTROL_CONFLICT,
        'The request journal is off: this server runs with --journal-size 0 (GROUPGATE_JOURNAL_SIZE=0).',
      );
    }
    await journal.flush();
  };

  app.get(
    '/requests',
    {
      schema: {
        tags: TAGS,
        summary:
          'The request journal: every Graph call answered (refused ones too), newest first, tokens and secrets redacted. Filters narrow; page with `after` = `paging.cursors.after`.',
        security: SECURED,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...FILTER_PROPERTIES,
            after: { type: 'string', maxLength: 32 },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              data: { type: 'array', items: ENTRY },
              paging: { type: 'object', additionalProperties: true },
            },
          },
          '4xx': ERROR_RESPONSE,
        },
      },
    },
    async (request) => {
      const query = request.query as RequestsQuery & { limit: number };
      if (query.after !== undefined && !CURSOR.test(query.after)) {
        throw controlError(GRAPH_ERRORS.CONTROL_INVALID_PARAMETER, 'Param after is not a valid cursor');
      }
      await journalOn();
      const filter = toFilter(query);
      const rows = await store.listJournalEntries(
        { ...filter, ...(query.after !== undefined && { beforeId: Number(query.after) }) },
        query.limit + 1,
      );
      const more = rows.length > query.limit;
      if (more) rows.pop();
      const first = rows[0];
      const last = rows[rows.length - 1];
      const paging: RequestsPage['paging'] = {};
      if (first !== undefined && last !== undefined) {
        paging.cursors = { before: String(first.id), after: String(last.id) };
      }
      if (more && last !== undefined) {
        const next = new URLSearchParams();
        for (const [key, value] of Object.entries(query)) {
          if (key !== 'after' && value !== undefined) next.set(key, String(value));
        }
        next.set('after', String(last.id));
        paging.next = `/_groupgate/requests?${next.toString()}`;
      }
      return { data: rows.map(render), paging } satisfies RequestsPage;
    },
  );

  app.get(
    '/requests/count',
    {
      schema: {
        tags: TAGS,
        summary:
          'How many journal entries match the filters: for assertions such as "exactly 3 approvals on this group".',
        security: SECURED,
        querystring: { type: 'object', additionalProperties: false, properties: FILTER_PROPERTIES },
        response: {
          200: { type: 'object', properties: { count: { type: 'integer' } } },
          '4xx': ERROR_RESPONSE,
        },
      },
    },
    async (request) => {
      await journalOn();
      const count = await store.countJournalEntries(toFilter(request.query as RequestsFilter));
      return { count } satisfies RequestsCount;
    },
  );

  app.delete(
    '/requests',
    {
      schema: {
        tags: TAGS,
        summary:
          'Empty the request journal (every instance shares it): calls answered before this are gone, later ones are recorded.',
        security: SECURED,
        response: {
          200: { type: 'object', properties: { success: { type: 'boolean' }, deleted: { type: 'integer' } } },
          '4xx': ERROR_RESPONSE,
        },
      },
    },
    async () => {
      // Written first, so that `deleted` counts every call answered here before this one.
      await journal?.flush();
      const deleted = await store.deleteJournalEntries();
      return { success: true, deleted } satisfies RequestsCleared;
    },
  );
}
