/**
 * @module server/control/dependencies — what every control-API route module is given. Its own module so that the
 * route modules depend on it, not on each other.
 */
import type { Store } from '../../storage/store.js';
import type { SimulatedConditions } from '../simulated-conditions.js';

export interface ControlDependencies {
  store: Store;
  clock: () => number;
  adminToken: string;
  maxParticipants: number;
  webhookTimeoutMs: number;
  /** Host names callback URLs may point at; undefined: any. */
  webhookAllowHosts: readonly string[] | undefined;
  /** Switches for the states Meta's errors describe (eligibility, armed failures, terms); emptied by reset. */
  conditions: SimulatedConditions;
}
