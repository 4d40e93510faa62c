/** @module server/control/schemas — JSON-schema pieces every control-API route shares. */
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
