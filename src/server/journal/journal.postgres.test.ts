import { runOnPostgres } from '../../testing/on-postgres.js';

await runOnPostgres(() => import('./journal.test.js'));
