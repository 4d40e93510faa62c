/**
 * @module server/control/dependencies — what every control-API route module is given. Its own module so that the
 * route modules depend on it, not on each other.
 */
import type { Store } from '../../storage/store.js';
import type { VirtualClock } from '../clock/virtual-clock.js';

export interface ControlDependencies {
  store: Store;
  /** Unix seconds, as Graph's timestamps are. */
  clock: () => number;
  /** Unix milliseconds on the virtual clock: webhook events and the delivery log's times. */
  clockMs: () => number;
  /** The virtual clock itself, for its control routes. */
  virtualClock: VirtualClock;
  adminToken: string;
  maxParticipants: number;
  webhookTimeoutMs: number;
  /** Host names callback URLs may point at; undefined: any. */
  webhookAllowHosts: readonly string[] | undefined;
}
