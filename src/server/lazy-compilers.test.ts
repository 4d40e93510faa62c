import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { lazyCompilersFactory } from './lazy-compilers.js';

describe('lazy schema compilers', () => {
  it('still validate and serialise with Fastify defaults when a route relies on them', async () => {
    const app = Fastify({ schemaController: { compilersFactory: lazyCompilersFactory() } });
    app.get(
      '/echo',
      {
        schema: {
          querystring: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } },
          response: { 200: { type: 'object', properties: { n: { type: 'integer' } } } },
        },
      },
      async (request) => ({ n: (request.query as { n: number }).n, secret: 'not in the schema' }),
    );
    const ok = await app.inject({ url: '/echo?n=7' });
    assert.equal(ok.statusCode, 200);
    assert.deepEqual(ok.json(), { n: 7 }, 'the response schema serialises, dropping what it does not name');
    const bad = await app.inject({ url: '/echo?n=seven' });
    assert.equal(bad.statusCode, 400, 'the querystring schema validates');
    await app.close();
  });
});
