/**
 * @module storage/with-fresh-ids — ids are minted at random, so a collision with an existing row is astronomically
 * rare but possible: the attempt (which mints anew each time) is retried a few times on StoreConflictError.
 */
import { StoreConflictError } from './store.js';

const ATTEMPTS = 5;

export async function withFreshIds<T>(attempt: () => Promise<T>): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof StoreConflictError) || i >= ATTEMPTS) throw error;
    }
  }
}
