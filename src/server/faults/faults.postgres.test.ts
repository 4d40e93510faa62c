import { runOnPostgres } from '../../testing/on-postgres.js';

await runOnPostgres(() => import('./faults.test.js'));
