/**
 * What the console's files are served with: a Content-Security-Policy that lets only the console's own modules and
 * its import map run, no type sniffing, no framing; and the favicon browsers ask for on their own.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, it } from 'node:test';
import { Harness } from '../../testing/harness.js';

let h: Harness;
before(async () => (h = await Harness.start()));
after(() => h.close());

it('serves the page with a policy that allows its own modules and its import map by hash, and no framing', async () => {
  const res = await h.app.inject({ method: 'GET', url: '/console' });
  assert.equal(res.statusCode, 200);
  const policy = String(res.headers['content-security-policy']);
  const importMap = /<script type="importmap">([\s\S]*?)<\/script>/.exec(res.body)?.[1];
  assert.ok(importMap !== undefined, 'the page has its import map');
  const hash = createHash('sha256').update(importMap).digest('base64');
  assert.match(policy, /(^|; )default-src 'none'(;|$)/);
  assert.ok(policy.includes(`script-src 'self' 'sha256-${hash}'`), policy);
  assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval/);
  assert.match(policy, /frame-ancestors 'none'/);
  assert.equal(res.headers['x-frame-options'], 'DENY');
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
});

it("sends nosniff with the console's modules and stylesheet too", async () => {
  for (const url of ['/console/app/main.js', '/console/static/console.css', '/console/vendor/preact.js']) {
    const res = await h.app.inject({ method: 'GET', url });
    assert.equal(res.statusCode, 200, url);
    assert.equal(res.headers['x-content-type-options'], 'nosniff', url);
  }
});

it('serves a favicon instead of a Graph error', async () => {
  const res = await h.app.inject({ method: 'GET', url: '/favicon.ico' });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'image/x-icon');
  // An ICO header: reserved 0, type 1 (icon), at least one image.
  assert.deepEqual([...res.rawPayload.subarray(0, 4)], [0, 0, 1, 0]);
});
