import { runOnPostgres } from '../../../testing/on-postgres.js';

await runOnPostgres(() => import('./batch.test.js'));
