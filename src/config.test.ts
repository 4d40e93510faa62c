/** The settings issue 11 added, as the environment gives them: parsed, bounded, and refused with a message. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { loadConfig, parseTrustProxy } from './config.js';
import { isHostAllowed, parseAllowHosts } from './webhooks/callback-request.js';

it('trusts no proxy unless told, and takes addresses, CIDR ranges and range names', () => {
  assert.equal(loadConfig({}, {}).trustProxy, undefined);
  assert.deepEqual(
    loadConfig({}, { GROUPGATE_TRUST_PROXY: '10.0.0.1, 192.168.0.0/16,loopback, ::1' }).trustProxy,
    ['10.0.0.1', '192.168.0.0/16', 'loopback', '::1'],
  );
  for (const bad of ['true', '*', '10.0.0.0/33', 'proxy.example.com', '10.0.0.1/8/1']) {
    assert.throws(() => parseTrustProxy(bad), /a trusted proxy is an IP address/, bad);
  }
});

it('has short header and request timeouts by default, and refuses a header timeout past the request one', () => {
  const config = loadConfig({}, {});
  assert.equal(config.headersTimeoutMs, 10_000);
  assert.equal(config.requestTimeoutMs, 15_000);
  assert.equal(config.maxConnections, 4096);
  assert.equal(config.maxConnectionsPerIp, 1024);
  assert.throws(
    () => loadConfig({}, { GROUPGATE_HEADERS_TIMEOUT_MS: '20000', GROUPGATE_REQUEST_TIMEOUT_MS: '15000' }),
    /cannot be longer than the request timeout/,
  );
  assert.throws(
    () => loadConfig({}, { GROUPGATE_MAX_CONNECTIONS: '0' }),
    /GROUPGATE_MAX_CONNECTIONS must be/,
  );
  assert.throws(
    () => loadConfig({ requestTimeoutMs: 0 }, {}),
    /requestTimeoutMs must be an integer from 100/,
  );
  assert.throws(() => loadConfig({ maxConnectionsPerIp: 0 }, {}), /maxConnectionsPerIp must be/);
});

it('allows every callback host unless a list is given, then only its names and subdomains of *. entries', () => {
  assert.equal(loadConfig({}, {}).webhookAllowHosts, undefined);
  const allowed = parseAllowHosts('localhost, *.hooks.example.com,[::1]');
  const allows = (url: string) => isHostAllowed(new URL(url), allowed);
  assert.equal(allows('http://localhost:3000/webhook'), true);
  assert.equal(allows('https://a.hooks.example.com/x'), true);
  assert.equal(allows('http://[::1]:8080/'), true);
  assert.equal(allows('https://hooks.example.com.evil.test/'), false);
  assert.equal(allows('https://evilhooks.example.com/'), false);
  assert.equal(allows('http://127.0.0.1/'), false);
  assert.throws(() => parseAllowHosts(' , '), /at least one host/);
  assert.throws(() => parseAllowHosts('http://localhost'), /host name/);
});

it('takes a public URL with at most a path prefix, and refuses what would break the paging links built on it', () => {
  assert.equal(loadConfig({ publicUrl: 'https://gg.example.com/' }, {}).publicUrl, 'https://gg.example.com');
  assert.equal(
    loadConfig({}, { GROUPGATE_PUBLIC_URL: 'http://proxy:8080/gg//' }).publicUrl,
    'http://proxy:8080/gg',
  );
  for (const bad of [
    'http://x/p?q=1#f',
    'http://x/?',
    'http://x/#',
    'https://user:secret@x',
    'ftp://x',
    'x.example.com',
    'http:/x',
    'http://',
  ]) {
    assert.throws(() => loadConfig({ publicUrl: bad }, {}), /public URL .* must be an http\(s\) URL/, bad);
    assert.throws(
      () => loadConfig({}, { GROUPGATE_PUBLIC_URL: bad }),
      /--public-url, GROUPGATE_PUBLIC_URL/,
      bad,
    );
  }
});

it('refuses blank text settings given as options, which the environment would read as unset', () => {
  for (const key of [
    'host',
    'databasePath',
    'databaseUrl',
    'databaseSchema',
    'webhookVerifyToken',
  ] as const) {
    assert.throws(() => loadConfig({ [key]: ' ' }, {}), new RegExp(`${key} must not be blank`));
  }
  assert.equal(loadConfig({}, { GROUPGATE_HOST: ' ' }).host, '127.0.0.1');
});

it('keeps 10,000 journal entries by default, takes 0 to turn the journal off, and refuses the rest', async () => {
  const { toOverrides } = await import('./cli/commands/serve.js');
  assert.equal(loadConfig({}, {}).journalSize, 10_000);
  assert.equal(loadConfig({}, { GROUPGATE_JOURNAL_SIZE: '0' }).journalSize, 0);
  assert.equal(loadConfig({ journalSize: 25 }, { GROUPGATE_JOURNAL_SIZE: '0' }).journalSize, 25);
  assert.equal(loadConfig(toOverrides({ demo: false, journalSize: '7' }), {}).journalSize, 7);
  assert.throws(() => loadConfig({}, { GROUPGATE_JOURNAL_SIZE: '-1' }), /GROUPGATE_JOURNAL_SIZE must be/);
  assert.throws(
    () => toOverrides({ demo: false, journalSize: 'lots' }),
    /--journal-size must be a whole number/,
  );
});
