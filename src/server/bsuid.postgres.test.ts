import { runOnPostgres } from '../testing/on-postgres.js';

await runOnPostgres(() => import('./bsuid.test.js'));
