import { after, it } from 'node:test';
import {
  dropTestSchemas,
  newTestSchema,
  openTestPostgresStore,
  postgresSkipReason,
} from '../../testing/postgres.js';
import { runOutboxContract } from '../outbox.case.js';
import { runStoreContract } from '../store.case.js';

const skip = await postgresSkipReason();
after(() => (skip === false ? dropTestSchemas() : undefined));

runStoreContract({ name: 'postgres', open: () => openTestPostgresStore(), skip });
runOutboxContract({ name: 'postgres', open: () => openTestPostgresStore(), skip });

it('opens on a new schema from several instances starting at once', { skip }, async () => {
  const schema = newTestSchema();
  const stores = await Promise.all(Array.from({ length: 6 }, () => openTestPostgresStore(schema)));
  for (const store of stores) await store.close();
});
