import { runOnPostgres } from '../../testing/on-postgres.js';

await runOnPostgres(() => import('./conventions.test.js'));
