/** @module contract — wire types and limits shared by the server, SDK, CLI and console. No dependencies. */
export type * from './graph-error.js';
export type * from './paging.js';
export type * from './join-requests.js';
export * from './groups.js';
export * from './limits.js';
export * from './webhooks.js';
