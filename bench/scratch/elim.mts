import { buildApp } from '../../src/server/app.ts';
import { openSqliteStore } from '../../src/storage/sqlite/sqlite-store.ts';
import { registerEdge } from '../../src/server/graph/edge-router.ts';
import { resolveGroup } from '../../src/server/graph/resolve-node.ts';
const store = openSqliteStore({ path: '/tmp/prof.sqlite', exclusive: true });
const app = await buildApp(
  {
    publicUrl: undefined,
    adminToken: 'a',
    maxParticipants: 8,
    maxGroupsPerPhoneNumber: 10,
    logLevel: 'warn',
  },
  { store },
);
const body = '{"data":"' + 'x'.repeat(3360) + '"}';
app.get('/static', async (_req, reply) =>
  reply.header('content-type', 'application/json; charset=UTF-8').send(body),
);
const deps = { store, clock: () => Math.floor(Date.now() / 1000) };
registerEdge(app, deps, { edge: 'auth_only', handlers: { GET: async () => ({ body }) } });
registerEdge(app, deps, {
  edge: 'auth_group',
  handlers: {
    GET: async (c) => {
      await resolveGroup(c, store);
      return { body };
    },
  },
});
await app.listen({ port: 4556, host: '127.0.0.1' });
console.log('up');
