/**
 * @module contract — wire types and limits shared by the server, SDK, CLI and console: Meta's Graph API, and
 * Groupgate's own control API (`control.ts`). No dependencies.
 */
export type * from './graph-error.js';
export type * from './paging.js';
export type * from './join-requests.js';
export * from './groups.js';
export * from './limits.js';
export * from './webhooks.js';
export * from './control.js';
export type * from './state.js';
