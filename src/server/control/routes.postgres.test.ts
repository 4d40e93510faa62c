import { runOnPostgres } from '../../testing/on-postgres.js';

await runOnPostgres(() => import('./routes.test.js'));
