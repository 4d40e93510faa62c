import { runOnPostgres } from '../testing/on-postgres.js';

await runOnPostgres(() => import('./fuzz.test.js'));
