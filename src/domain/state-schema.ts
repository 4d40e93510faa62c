/**
 * @module domain/state-schema — the JSON Schema of the state document (version 1), the one definition: the server
 * validates with it before anything changes, and docs/state.schema.json is this object written out (a test keeps
 * the two equal). Fields left out of a hand-written document get the defaults described here.
 */
import {
  MAX_DESCRIPTION_LENGTH,
  MAX_RATE_LIMIT_CALLS,
  MAX_RATE_LIMIT_SECONDS,
  MAX_SUBJECT_LENGTH,
  WEBHOOK_FIELDS,
} from '@groupgate/sdk/contract';
import { PARENT_BSUID_PATTERN, USERNAME_PATTERN } from './users.js';

/** The version this server writes and reads. */
export const STATE_VERSION = 1;

/** Up to the last second of 9999, where the virtual clock stops too. */
const UNIX_SECONDS = { type: 'integer', minimum: 0, maximum: 253_402_300_799 };
const NULLABLE_SECONDS = { type: ['integer', 'null'], minimum: 0, maximum: 253_402_300_799 };
const NODE_ID = { type: 'string', pattern: '^[1-9][0-9]{0,19}$' };
const WA_ID = { type: 'string', pattern: '^[1-9][0-9]{6,14}$' };
const KEY = {
  type: 'integer',
  minimum: 1,
  maximum: 9_007_199_254_740_991,
  description:
    'The position key cursors encode. Exports carry it so that cursors stay valid; leave it out of a hand-written document (keys then follow document order).',
};

/**
 * How a simulated user presents themself to the business, beside their number (as the control API's join takes
 * it). Exports write these only for users who set them. No `default` keyword: a participant is an anyOf, where
 * ajv fills none; the defaults are said in the descriptions.
 */
const USER_FIELDS = {
  hide_phone_number: {
    type: 'boolean',
    description:
      'The user hides their number behind a username: wa_id is left out of every Graph item about them. Default: false.',
  },
  username: { type: 'string', pattern: USERNAME_PATTERN, description: 'Default: none.' },
  parent_user_id: {
    anyOf: [
      { type: 'string', pattern: PARENT_BSUID_PATTERN },
      { type: 'boolean', const: true },
    ],
    description:
      "A parent BSUID (CC.ENT.…), or true to derive the user's own, the same with every business. Default: none.",
  },
};

const PARTICIPANT = {
  anyOf: [
    WA_ID,
    {
      type: 'object',
      additionalProperties: false,
      required: ['wa_id'],
      properties: {
        wa_id: WA_ID,
        joined_at: { ...UNIX_SECONDS, description: 'Default: the group’s created_at.' },
        ...USER_FIELDS,
      },
    },
  ],
};

const JOIN_REQUEST = {
  type: 'object',
  additionalProperties: false,
  required: ['wa_id'],
  properties: {
    key: KEY,
    join_request_id: {
      type: 'string',
      minLength: 1,
      maxLength: 512,
      description:
        'Default: the id Groupgate derives from the user and the group, as it does for a live request.',
    },
    wa_id: WA_ID,
    status: { enum: ['pending', 'approved', 'rejected', 'revoked'], default: 'pending' },
    created_at: { ...UNIX_SECONDS, description: 'Default: now.' },
    decided_at: {
      ...NULLABLE_SECONDS,
      description: 'Null while pending. Default for a decided one: created_at.',
    },
    ...USER_FIELDS,
  },
};

const GROUP = {
  type: 'object',
  additionalProperties: false,
  required: ['subject'],
  properties: {
    key: KEY,
    group_id: {
      type: 'string',
      minLength: 1,
      maxLength: 512,
      description:
        "Default: derived from the business's phone number and group_number, as Groupgate mints it.",
    },
    group_number: {
      type: 'string',
      pattern: '^[0-9]{6,30}$',
      description: 'The JID number. Default: minted.',
    },
    request_id: { type: 'string', minLength: 1, maxLength: 64, description: 'Default: minted.' },
    subject: { type: 'string', minLength: 1, maxLength: MAX_SUBJECT_LENGTH },
    description: { type: 'string', maxLength: MAX_DESCRIPTION_LENGTH, default: '' },
    join_approval_mode: { enum: ['approval_required', 'auto_approve'], default: 'approval_required' },
    invite_code: {
      type: 'string',
      pattern: '^[A-Za-z0-9]{1,64}$',
      description: 'The code after https://chat.whatsapp.com/. Default: minted.',
    },
    invite_link_active: { type: 'boolean', default: true, description: 'False once the link was deleted.' },
    photo_sha256: { type: ['string', 'null'], pattern: '^[0-9a-f]{64}$', default: null },
    created_at: { ...UNIX_SECONDS, description: 'Default: now.' },
    suspended_at: {
      ...NULLABLE_SECONDS,
      default: null,
      description: 'Set: WhatsApp has suspended the group.',
    },
    deleted_at: {
      ...NULLABLE_SECONDS,
      default: null,
      description: 'Set: the business deleted the group (kept so that its ids and keys stay taken).',
    },
    participants: { type: 'array', items: PARTICIPANT, default: [] },
    removed_participants: {
      type: 'array',
      default: [],
      description: 'Users the business removed: they cannot come back through the invite link.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['wa_id'],
        properties: { wa_id: WA_ID, removed_at: { ...UNIX_SECONDS, description: 'Default: now.' } },
      },
    },
    join_requests: {
      type: 'array',
      items: JOIN_REQUEST,
      default: [],
      description: 'Every request ever made, oldest first: pending and decided.',
    },
  },
};

const RATE_LIMIT = {
  type: ['object', 'null'],
  additionalProperties: false,
  required: ['max', 'per_seconds'],
  description: 'At most max calls in any per_seconds seconds (a sliding window); null: off.',
  properties: {
    max: { type: 'integer', minimum: 1, maximum: MAX_RATE_LIMIT_CALLS },
    per_seconds: { type: 'integer', minimum: 1, maximum: MAX_RATE_LIMIT_SECONDS },
  },
};

const BUSINESS = {
  type: 'object',
  additionalProperties: false,
  required: ['waba_id', 'phone_number_id'],
  properties: {
    waba_id: NODE_ID,
    phone_number_id: NODE_ID,
    phone_number: {
      type: 'string',
      pattern: '^[1-9][0-9]{6,14}$',
      description: "The business's phone number, digits only. Default: minted in the 555-01xx range.",
    },
    name: { type: 'string', minLength: 1, maxLength: 200, default: 'Groupgate sandbox business' },
    created_at: { ...UNIX_SECONDS, description: 'Default: now.' },
    app: {
      type: 'object',
      additionalProperties: false,
      properties: {
        app_id: { ...NODE_ID, description: 'Default: minted.' },
        app_secret: {
          type: 'string',
          minLength: 8,
          maxLength: 512,
          description: 'Signs the webhooks. A SECRET: an export holds it. Default: minted.',
        },
        require_appsecret_proof: {
          type: 'boolean',
          default: false,
          description: '"Require app secret": every Graph call must carry appsecret_proof.',
        },
        default_api_version: {
          type: ['string', 'null'],
          pattern: '^v[0-9]{1,3}\\.[0-9]{1,3}$',
          default: null,
          description:
            "The version unversioned Graph calls are served as: a version Graph has published. Null: Groupgate's default (v23.0).",
        },
        webhook: {
          type: ['object', 'null'],
          additionalProperties: false,
          required: ['callback_url', 'verify_token'],
          default: null,
          description: "The app's own callback (not verified again on import).",
          properties: {
            callback_url: { type: 'string', pattern: '^https?://', maxLength: 2048 },
            verify_token: { type: 'string', minLength: 1, maxLength: 512 },
            fields: {
              type: 'array',
              uniqueItems: true,
              items: { enum: [...WEBHOOK_FIELDS] },
              default: [...WEBHOOK_FIELDS],
            },
            updated_at_ms: { type: 'integer', minimum: 0, description: 'Unix milliseconds. Default: now.' },
          },
        },
      },
    },
    limits: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description:
        "The business's own rate limits, as PUT /_groupgate/businesses/{waba_id}/limits takes them. A budget left out takes the default (the server's --group-rate-limit for group_operations, off for the others); null turns it off. Counts are not state: an import starts every window afresh.",
      properties: { group_operations: RATE_LIMIT, waba_calls: RATE_LIMIT, app_calls: RATE_LIMIT },
    },
    tokens: {
      type: 'array',
      default: [],
      description: 'Access tokens. SECRETS: an export holds them. None by default.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['token'],
        properties: {
          token: { type: 'string', minLength: 1, maxLength: 512 },
          created_at: { ...UNIX_SECONDS, description: 'Default: now.' },
          expires_at: { ...NULLABLE_SECONDS, default: null },
          revoked_at: { ...NULLABLE_SECONDS, default: null },
        },
      },
    },
    groups: { type: 'array', items: GROUP, default: [] },
  },
};

export const STATE_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'urn:groupgate:state:1',
  title: 'Groupgate state document',
  description:
    'Everything a Groupgate instance answers Graph calls from: businesses with their ids, tokens and app, groups, participants and join requests. Exports contain access tokens and app secrets: treat them as secrets.',
  type: 'object',
  additionalProperties: false,
  required: ['groupgate_state'],
  properties: {
    groupgate_state: { const: STATE_VERSION, description: 'The format version.' },
    exported_at: { ...UNIX_SECONDS, description: 'When it was exported; informative.' },
    next_keys: {
      type: 'object',
      additionalProperties: false,
      description:
        'The keys the next group and join request get (so that their cursors match the original). Exports of a whole instance carry them; by default, the highest key + 1.',
      properties: { group: KEY, join_request: KEY },
    },
    businesses: { type: 'array', items: BUSINESS, default: [] },
  },
} as const;
