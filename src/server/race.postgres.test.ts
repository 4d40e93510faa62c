import { runOnPostgres } from '../testing/on-postgres.js';

await runOnPostgres(() => import('./race.test.js'));
