import { runOnPostgres } from '../../testing/on-postgres.js';

await runOnPostgres(() => import('./state-routes.test.js'));
