/** @module control — Groupgate's control API, and waiting for what it sets in motion. */
export {
  ControlClient,
  type ControlClientOptions,
  type CreatedGroup,
  type GroupOwner,
  type WaitForDeliveryOptions,
} from './control-client.js';
export { WaitTimeoutError, type WaitOptions } from './wait.js';
