import { runOnPostgres } from '../../testing/on-postgres.js';

await runOnPostgres(() => import('./health.test.js'));
