import { runOnPostgres } from '../testing/on-postgres.js';

await runOnPostgres(() => import('./webhook-spec.test.js'));
