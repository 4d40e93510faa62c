import { runOnPostgres } from '../../../testing/on-postgres.js';

await runOnPostgres(() => import('./join-requests.test.js'));
