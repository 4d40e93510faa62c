import { runOnPostgres } from '../testing/on-postgres.js';

await runOnPostgres(() => import('./dispatcher.test.js'));
