import { runOnPostgres } from '../../../testing/on-postgres.js';

await runOnPostgres(() => import('./group-lifecycle.test.js'));
