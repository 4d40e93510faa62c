import { runOnPostgres } from '../../testing/on-postgres.js';

await runOnPostgres(() => import('./businesses.test.js'));
