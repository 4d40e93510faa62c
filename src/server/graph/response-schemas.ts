/** @module server/graph/response-schemas — serialiser schemas shared by several Graph responses. */

export const PAGING_SCHEMA = {
  type: 'object',
  properties: {
    cursors: { type: 'object', properties: { before: { type: 'string' }, after: { type: 'string' } } },
    previous: { type: 'string' },
    next: { type: 'string' },
  },
} as const;

export const ITEM_ERROR_SCHEMA = {
  type: 'object',
  properties: {
    code: { type: 'integer' },
    message: { type: 'string' },
    title: { type: 'string' },
    error_data: { type: 'object', properties: { details: { type: 'string' } } },
  },
} as const;
