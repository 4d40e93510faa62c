/** @module server/control/schemas — JSON-schema pieces every control-API route shares. */
import type { SimulatedUserOptions } from '@groupgate/sdk/contract';
import {
  BSUID_PATTERN,
  PARENT_BSUID_PATTERN,
  USERNAME_PATTERN,
  type UserOptions,
} from '../../domain/users.js';

export const TAGS = ['control'];
export const WA_ID = {
  type: 'string',
  pattern: '^[1-9][0-9]{6,14}$',
  description: 'Phone number in international form, digits only.',
};
export const ERROR_RESPONSE = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: {
        message: { type: 'string' },
        type: { type: 'string' },
        code: { type: 'integer' },
        fbtrace_id: { type: 'string' },
      },
    },
  },
};
export const SECURED = [{ adminToken: [] }];
export const WA_ID_PARAMS = { type: 'object', properties: { wa_id: WA_ID } };
/** A simulated user's action on one group. */
export const GROUP_ID_BODY = {
  type: 'object',
  required: ['group_id'],
  additionalProperties: false,
  properties: { group_id: { type: 'string', minLength: 1, maxLength: 512 } },
};

/** A wa_id, or a BSUID: the user a simulated action names. */
export const USER_PARAMS = {
  type: 'object',
  properties: {
    wa_id: {
      type: 'string',
      anyOf: [{ pattern: WA_ID.pattern }, { pattern: BSUID_PATTERN }],
      description:
        "Phone number in international form, digits only, or the user's BSUID with the group's business.",
    },
  },
};

/** How a simulated user presents themself when they join (2026 business-scoped user ids). */
export const USER_OPTIONS = {
  hide_phone_number: {
    type: 'boolean',
    description: 'The user hides their number behind a username: wa_id is left out of every item about them.',
  },
  username: { type: 'string', pattern: USERNAME_PATTERN },
  parent_user_id: {
    anyOf: [
      { type: 'string', pattern: PARENT_BSUID_PATTERN },
      { type: 'boolean', const: true },
    ],
    description: "A parent BSUID (CC.ENT.…), or true to derive the user's own, the same with every business.",
  },
};

export function userOptionsOf(body: SimulatedUserOptions): UserOptions {
  return {
    ...(body.hide_phone_number !== undefined && { hidePhoneNumber: body.hide_phone_number }),
    ...(body.username !== undefined && { username: body.username }),
    ...(body.parent_user_id !== undefined && { parentUserId: body.parent_user_id }),
  };
}
