import { runOnPostgres } from '../../../testing/on-postgres.js';

await runOnPostgres(() => import('./groups.test.js'));
