import { runOnPostgres } from '../testing/on-postgres.js';

await runOnPostgres(() => import('./webhooks.test.js'));
