import { runOnPostgres } from '../testing/on-postgres.js';

await runOnPostgres(() => import('./call-limits.test.js'));
