import { runOnPostgres } from '../../testing/on-postgres.js';

await runOnPostgres(() => import('./clock-routes.test.js'));
