import { runOnPostgres } from '../testing/on-postgres.js';

await runOnPostgres(() => import('./documented-errors.test.js'));
