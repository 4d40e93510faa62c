/**
 * @module groupgate — Groupgate as a library: start a server inside a test suite's process. The clients live in
 * `@groupgate/sdk` (GroupsClient for the Graph API, ControlClient for the control API) and its `/testing` entry
 * (the webhook receiver).
 */
export { startGroupgate, type Groupgate, type StartOptions } from './start.js';
export type { GroupRateLimit, LogLevel } from './config.js';
