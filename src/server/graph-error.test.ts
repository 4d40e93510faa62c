import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GraphError } from './graph-error.js';
import { assertMatchesMetaSpec } from '../testing/meta-spec.js';
import { GRAPH_ERRORS } from '../domain/error-catalog.js';

describe('the error catalog', () => {
  const entries = Object.entries(GRAPH_ERRORS);

  it('gives every entry a 4xx or 5xx status, a type and a title', () => {
    for (const [name, t] of entries) {
      // 131201 is Meta's "partially succeeded", whose documented status is 206; it is never an envelope.
      assert.ok((t.status >= 400 && t.status <= 599) || (t.code === 131201 && t.status === 206), name);
      assert.ok(t.title.length > 0, name);
      assert.ok(Object.isFrozen(t), `${name} is frozen`);
    }
  });

  it('writes WhatsApp codes (13xxxx) answered over Graph as "(#code) title", as Meta does', () => {
    for (const [name, t] of entries.filter(([, t]) => t.code >= 130000 && t.webhookOnly !== true)) {
      assert.equal(t.message, `(#${t.code}) ${t.title}`, name);
    }
  });

  it("serialises every entry into a body that matches Meta's GraphAPIError", () => {
    for (const [name, t] of entries.filter(([, t]) => t.status >= 400)) {
      const body = new GraphError(t, {
        params: {
          details: 'd',
          method: 'get',
          id: 'x',
          path: '/x',
          expiredAt: 'then',
          now: 'now',
          contentType: 'text/plain',
          limit: 1,
        },
        details: 'd',
      }).toBody('trace');
      assert.doesNotMatch(body.error.message, /\{\w+\}/, `${name} fills its placeholders`);
      assertMatchesMetaSpec('/{Version}/{group_id}/join_requests', 'post', t.status, body);
    }
  });
});
