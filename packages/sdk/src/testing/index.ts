/**
 * @module @groupgate/sdk/testing — helpers for Node test suites that run against Groupgate: a webhook receiver.
 * Uses node:http, unlike the rest of the SDK.
 */
export * from './webhook-receiver.js';
