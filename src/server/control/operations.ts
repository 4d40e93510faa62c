/**
 * @module server/control/operations — what the control API's OpenAPI document says about each route beyond its
 * schemas: a stable `operationId` (what generated clients name their methods after) and examples. Kept in one
 * table so that a route without an entry is found by the test that checks the document against the routes
 * (openapi.test.ts), not by a user whose generator produced `postGroupgateUsersWaIdJoin`.
 */

export interface ControlOperation {
  readonly operationId: string;
  /** An example request body, for operations that take one. */
  readonly requestExample?: unknown;
  /** An example of the success answer. */
  readonly responseExample?: unknown;
}

const WABA_ID = '104996835863245';
const PHONE_NUMBER_ID = '106540352242922';
const GROUP_ID = 'Y2FwaV9ncm91cDoxMDY1NDAzNTIyNDI5MjI6MTIwMzYzNDA0Njk0MjMzODIw';
const ACCESS_TOKEN = 'EAAGgroupgate0Zx3sandboxTokenExample';
const JOIN_REQUEST_ID = 'MTY1MDU1NTAxMjM6MTIwMzYzNDA0Njk0MjMzODIw';

const WEBHOOK_SETTINGS = {
  app_id: '1234567890123456',
  callback_url: 'http://127.0.0.1:3000/webhook',
  verify_token: 'my-verify-token',
  fields: [
    'group_lifecycle_update',
    'group_participants_update',
    'group_settings_update',
    'group_status_update',
  ],
  updated_at: 1790000000000,
};

const SIMULATION = (state: string, requested: number, finishedAt: number | null) => ({
  simulation_id: 'sim_01HF3',
  state,
  users: 1000,
  requested,
  joined: 0,
  failed: 0,
  failures: [],
  started_at: 1790000000000,
  finished_at: finishedAt,
});

const DELIVERY = {
  id: 42,
  app_id: '1234567890123456',
  group_id: GROUP_ID,
  field: 'group_participants_update',
  type: 'group_join_request_created',
  state: 'delivered',
  attempts: 1,
  created_at: 1790000000100,
  next_attempt_at: null,
  delivered_at: 1790000000128,
  last_status_code: 200,
  last_error: null,
  last_latency_ms: 8,
  item: { group_id: GROUP_ID, type: 'group_join_request_created' },
};

const LIMITS_STATE = {
  waba_id: WABA_ID,
  group_operations: { max: 2, per_seconds: 10, set_by: 'business', used: 2, regain_at: 1790000007 },
  waba_calls: { max: 100, per_seconds: 60, set_by: 'business', used: 14, regain_at: null },
  app_calls: null,
};

const RECORDED_REQUEST = {
  id: 1207,
  time: 1790000000123,
  method: 'POST',
  http_method: 'POST',
  path: `/v23.0/${GROUP_ID}/join_requests`,
  edge: 'join_requests',
  status: 200,
  error_code: null,
  error_subcode: null,
  fbtrace_id: 'AbCdEfGhIjK',
  duration_ms: 1.8,
  waba_id: WABA_ID,
  phone_number_id: PHONE_NUMBER_ID,
  group_id: GROUP_ID,
  fault: null,
  query: {},
  body: { messaging_product: 'whatsapp', join_requests: [JOIN_REQUEST_ID] },
  body_truncated: false,
  headers: { authorization: 'Bearer [REDACTED]', 'content-type': 'application/json' },
};

const CLOCK = {
  now: 1790086400,
  now_iso: '2026-09-22T12:53:20.000Z',
  offset_seconds: 86400,
  frozen: false,
  frozen_at: null,
};

const FAULT_RULE = {
  id: 'f_3',
  on: 'graph',
  match: { method: 'POST', edge: 'join_requests', group_id: GROUP_ID },
  effect: { error: { code: 130429 } },
  times: 2,
  after: 0,
  probability: 1,
  seed: null,
  matched: 1,
  hits: 1,
  created_at: 1790000000000,
};

const CONDITIONS = {
  waba_id: WABA_ID,
  eligible_for_groups: true,
  group_creation_disabled: false,
  partial_success_status: 200,
};

const ARMED = {
  waba_id: WABA_ID,
  failures: [{ operation: 'group_settings_update', code: 131000, fields: ['subject'] }],
};

/** Keyed by `METHOD /path`, the path as the document writes it (`{param}`). */
export const CONTROL_OPERATIONS: Readonly<Record<string, ControlOperation>> = {
  'GET /_groupgate/health': {
    operationId: 'getHealth',
    responseExample: { status: 'ok', store: 'sqlite' },
  },
  'GET /_groupgate/health/live': { operationId: 'getLiveness', responseExample: { status: 'ok' } },
  'POST /_groupgate/businesses': {
    operationId: 'createBusiness',
    requestExample: { name: 'Moderation bot tests' },
    responseExample: {
      waba_id: WABA_ID,
      phone_number_id: PHONE_NUMBER_ID,
      display_phone_number: '+1 555 010 0001',
      access_token: ACCESS_TOKEN,
      app_id: '1234567890123456',
      app_secret: '5f2b1c0e9d8a7b6c5d4e3f2a1b0c9d8e',
    },
  },
  'GET /_groupgate/businesses': {
    operationId: 'listBusinesses',
    responseExample: {
      data: [
        {
          waba_id: WABA_ID,
          phone_number_id: PHONE_NUMBER_ID,
          display_phone_number: '+1 555 010 0001',
          app_id: '1234567890123456',
          name: 'Moderation bot tests',
          creation_timestamp: 1790000000,
        },
      ],
      paging: { cursors: { after: 'MQ' } },
    },
  },
  'DELETE /_groupgate/businesses/{waba_id}': {
    operationId: 'deleteBusiness',
    responseExample: { success: true },
  },
  'GET /_groupgate/state': {
    operationId: 'exportState',
    responseExample: { groupgate_state: 1, businesses: [] },
  },
  'PUT /_groupgate/state': {
    operationId: 'importState',
    requestExample: { groupgate_state: 1, businesses: [] },
    responseExample: { success: true },
  },
  'POST /_groupgate/businesses/{waba_id}/tokens': {
    operationId: 'issueToken',
    requestExample: { expires_in: 3600 },
    responseExample: { access_token: ACCESS_TOKEN, expires_at: 1790003600 },
  },
  'GET /_groupgate/businesses/{waba_id}/limits': {
    operationId: 'getLimits',
    responseExample: LIMITS_STATE,
  },
  'PUT /_groupgate/businesses/{waba_id}/limits': {
    operationId: 'setLimits',
    requestExample: {
      group_operations: { max: 2, per_seconds: 10 },
      waba_calls: { max: 100, per_seconds: 60 },
    },
    responseExample: LIMITS_STATE,
  },
  'GET /_groupgate/businesses/{waba_id}/conditions': {
    operationId: 'getConditions',
    responseExample: CONDITIONS,
  },
  'PUT /_groupgate/businesses/{waba_id}/conditions': {
    operationId: 'setConditions',
    requestExample: { eligible_for_groups: false },
    responseExample: { ...CONDITIONS, eligible_for_groups: false },
  },
  'GET /_groupgate/businesses/{waba_id}/failures': {
    operationId: 'listArmedFailures',
    responseExample: ARMED,
  },
  'POST /_groupgate/businesses/{waba_id}/failures': {
    operationId: 'armFailure',
    requestExample: { operation: 'group_settings_update', code: 131000, fields: ['subject'] },
    responseExample: ARMED,
  },
  'DELETE /_groupgate/businesses/{waba_id}/failures': {
    operationId: 'disarmFailures',
    responseExample: { waba_id: WABA_ID, failures: [] },
  },
  'PUT /_groupgate/users/{wa_id}/terms': {
    operationId: 'setTermsAccepted',
    requestExample: { accepted: false },
    responseExample: { wa_id: '16505550123', accepted: false },
  },
  'DELETE /_groupgate/tokens/{token}': { operationId: 'revokeToken', responseExample: { success: true } },
  'POST /_groupgate/users/{wa_id}/join': {
    operationId: 'joinGroup',
    requestExample: { invite_link: 'https://chat.whatsapp.com/AbCdEfGhIjKlMnOpQrStUv' },
    responseExample: { status: 'requested', join_request_id: JOIN_REQUEST_ID },
  },
  'POST /_groupgate/users/{wa_id}/cancel_join': {
    operationId: 'cancelJoinRequest',
    requestExample: { group_id: GROUP_ID },
    responseExample: { status: 'cancelled', join_request_id: JOIN_REQUEST_ID },
  },
  'POST /_groupgate/users/{wa_id}/leave': {
    operationId: 'leaveGroup',
    requestExample: { group_id: GROUP_ID },
    responseExample: { status: 'left' },
  },
  'GET /_groupgate/groups/{group_id}': {
    operationId: 'getGroup',
    responseExample: {
      group_id: GROUP_ID,
      subject: 'Launch team',
      description: 'Plans for the launch',
      join_approval_mode: 'approval_required',
      invite_link: 'https://chat.whatsapp.com/AbCdEfGhIjKlMnOpQrStUv',
      suspended: false,
      request_id: '6F1D5C0B9A8E4D3C2B1A0F9E8D7C6B5A',
      creation_timestamp: 1790000000,
      participants: ['16505550123'],
    },
  },
  'POST /_groupgate/groups/{group_id}/suspend': {
    operationId: 'suspendGroup',
    responseExample: { group_id: GROUP_ID, suspended: true },
  },
  'POST /_groupgate/groups/{group_id}/clear_suspension': {
    operationId: 'clearGroupSuspension',
    responseExample: { group_id: GROUP_ID, suspended: false },
  },
  'GET /_groupgate/requests': {
    operationId: 'listRequests',
    responseExample: { data: [RECORDED_REQUEST], paging: { cursors: { before: '1207', after: '1207' } } },
  },
  'GET /_groupgate/requests/count': { operationId: 'countRequests', responseExample: { count: 3 } },
  'DELETE /_groupgate/requests': {
    operationId: 'clearRequests',
    responseExample: { success: true, deleted: 42 },
  },
  'GET /_groupgate/clock': { operationId: 'getClock', responseExample: CLOCK },
  'POST /_groupgate/clock/advance': {
    operationId: 'advanceClock',
    requestExample: { seconds: 86400 },
    responseExample: CLOCK,
  },
  'PUT /_groupgate/clock': {
    operationId: 'freezeClock',
    requestExample: { frozen_at: 1790086400 },
    responseExample: { ...CLOCK, frozen: true, frozen_at: 1790086400 },
  },
  'DELETE /_groupgate/clock': {
    operationId: 'resetClock',
    responseExample: { ...CLOCK, now: 1790000000, now_iso: '2026-09-21T12:53:20.000Z', offset_seconds: 0 },
  },
  'POST /_groupgate/faults': {
    operationId: 'addFault',
    requestExample: { match: { method: 'POST', edge: 'join_requests' }, error: { code: 130429 }, times: 2 },
    responseExample: { ...FAULT_RULE, matched: 0, hits: 0 },
  },
  'GET /_groupgate/faults': { operationId: 'listFaults', responseExample: { data: [FAULT_RULE] } },
  'DELETE /_groupgate/faults/{id}': { operationId: 'removeFault', responseExample: { success: true } },
  'DELETE /_groupgate/faults': { operationId: 'clearFaults', responseExample: { success: true } },
  'POST /_groupgate/reset': { operationId: 'reset', responseExample: { success: true } },
  'POST /_groupgate/simulations': {
    operationId: 'startSimulation',
    requestExample: { group_ids: [GROUP_ID], users: 1000, rate_per_second: 200, country_code: '44' },
    responseExample: SIMULATION('running', 0, null),
  },
  'GET /_groupgate/simulations/{id}': {
    operationId: 'getSimulation',
    responseExample: SIMULATION('finished', 1000, 1790000005000),
  },
  'DELETE /_groupgate/simulations/{id}': {
    operationId: 'stopSimulation',
    responseExample: SIMULATION('stopped', 412, 1790000002000),
  },
  'PUT /_groupgate/apps/{app_id}/webhook': {
    operationId: 'setWebhook',
    requestExample: {
      callback_url: 'http://127.0.0.1:3000/webhook',
      verify_token: 'my-verify-token',
      fields: ['group_participants_update'],
    },
    responseExample: WEBHOOK_SETTINGS,
  },
  'GET /_groupgate/apps/{app_id}/webhook': {
    operationId: 'getWebhook',
    responseExample: WEBHOOK_SETTINGS,
  },
  'GET /_groupgate/apps/{app_id}/settings': {
    operationId: 'getAppSettings',
    responseExample: {
      app_id: '1234567890123456',
      require_appsecret_proof: false,
      default_api_version: 'v23.0',
    },
  },
  'PUT /_groupgate/apps/{app_id}/settings': {
    operationId: 'setAppSettings',
    requestExample: { require_appsecret_proof: true, default_api_version: 'v24.0' },
    responseExample: {
      app_id: '1234567890123456',
      require_appsecret_proof: true,
      default_api_version: 'v24.0',
    },
  },
  'GET /_groupgate/webhooks/deliveries': {
    operationId: 'listDeliveries',
    responseExample: { data: [DELIVERY] },
  },
  'GET /_groupgate/webhooks/deliveries/{id}': {
    operationId: 'getDelivery',
    responseExample: {
      ...DELIVERY,
      attempt_log: [
        {
          attempt: 1,
          started_at: 1790000000120,
          duration_ms: 8,
          url: 'http://127.0.0.1:3000/webhook',
          status_code: 200,
          error: null,
        },
      ],
    },
  },
  'POST /_groupgate/webhooks/deliveries/{id}/replay': {
    operationId: 'replayDelivery',
    responseExample: { success: true },
  },
};

export function operationKey(method: string, path: string): string {
  return `${method.toUpperCase()} ${path}`;
}
