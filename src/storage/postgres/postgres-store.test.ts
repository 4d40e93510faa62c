import { after } from 'node:test';
import { dropTestSchemas, openTestPostgresStore, postgresSkipReason } from '../../testing/postgres.js';
import { runOutboxContract } from '../outbox.case.js';
import { runStoreContract } from '../store.case.js';

const skip = await postgresSkipReason();
after(() => (skip === false ? dropTestSchemas() : undefined));

runStoreContract({ name: 'postgres', open: () => openTestPostgresStore(), skip });
runOutboxContract({ name: 'postgres', open: () => openTestPostgresStore(), skip });
