/**
 * @module @groupgate/sdk — a typed client for the WhatsApp Business Cloud API Groups endpoints and their
 * webhooks, for graph.facebook.com and Groupgate alike.
 */
export { GroupsClient, type GroupsClientOptions } from './client.js';
export type { ClientOptions, FetchLike, GraphResponse } from './transport.js';
export * from './errors.js';
export type { RetryOptions } from './retry.js';
export type { Page, PageQuery } from './resources/pages.js';
export { BulkDecisionError, type BulkOptions, type BulkProgress, type BulkResult } from './resources/bulk.js';
export type { AcceptedChange, CreateGroupInput, UpdateGroupInput } from './resources/groups.js';
export * from './contract/index.js';
export * from './webhooks/index.js';
export * from './control/index.js';
