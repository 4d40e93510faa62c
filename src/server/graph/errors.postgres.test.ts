import { runOnPostgres } from '../../testing/on-postgres.js';

await runOnPostgres(() => import('./errors.test.js'));
