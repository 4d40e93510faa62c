import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertMatchesMetaSpec } from './meta-spec.js';
import { metaSpecAvailable } from './shared-dir.js';

const JR = '/{Version}/{group_id}/join_requests' as const;

describe(
  'the Meta OpenAPI check used by every HTTP test',
  { skip: !metaSpecAvailable() && 'needs ../shared' },
  () => {
    it('accepts the documented example response', () => {
      assertMatchesMetaSpec(JR, 'get', 200, {
        data: [
          {
            join_request_id: 'MTY0NjcwNDM1OTU6MTIwMzYzNDA0Njk0MjMzODIw',
            wa_id: '16505551234',
            creation_timestamp: 1755548877,
          },
        ],
        paging: { cursors: { before: 'a', after: 'b' } },
      });
    });

    it('rejects a field Meta does not send, and a field of the wrong type', () => {
      assert.throws(
        () => assertMatchesMetaSpec(JR, 'get', 200, { data: [], total: 3 }),
        /additional properties/,
      );
      assert.throws(
        () =>
          assertMatchesMetaSpec(JR, 'get', 200, {
            data: [{ join_request_id: 'x', creation_timestamp: '1755548877' }],
          }),
        /must be integer/,
      );
      assert.throws(
        () => assertMatchesMetaSpec(JR, 'post', 200, { messaging_product: 'whatsapp', approved: [] }),
        /additional properties/,
      );
    });

    it('checks error bodies against GraphAPIError and refuses success on paths Meta lacks', () => {
      assertMatchesMetaSpec(JR, 'post', 400, {
        error: { message: 'x', type: 'OAuthException', code: 100, fbtrace_id: 't' },
      });
      assert.throws(
        () => assertMatchesMetaSpec(JR, 'post', 400, { error: { message: 'x', code: 100 } }),
        /type/,
      );
      assert.throws(() => assertMatchesMetaSpec(null, 'get', 200, {}), /outside Meta's API/);
    });
  },
);
