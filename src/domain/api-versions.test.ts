import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GRAPH_VERSIONS, isPublishedVersion, oldestAvailable, servedVersion } from './api-versions.js';

const at = (iso: string) => Date.parse(`${iso}T12:00:00Z`) / 1000;

describe('the Graph version calendar', () => {
  it('is in release order, each retiring after its successor ships', () => {
    for (let i = 1; i < GRAPH_VERSIONS.length; i++) {
      const previous = GRAPH_VERSIONS[i - 1];
      const current = GRAPH_VERSIONS[i];
      assert.ok(previous && current && previous.released <= current.released, current?.version);
      assert.ok(previous.retires !== undefined && previous.retires > current.released, previous.version);
    }
    assert.equal(GRAPH_VERSIONS[GRAPH_VERSIONS.length - 1]?.retires, undefined, 'the newest never retires');
  });

  const cases: [string, string, string | undefined][] = [
    // [day, version asked, version served]
    ['2026-09-21', 'v23.0', 'v23.0'],
    ['2026-09-21', 'v20.0', 'v20.0'],
    ['2026-09-21', 'v19.0', 'v20.0'], // retired May 21 2026: the oldest available answers
    ['2026-09-21', 'v2.8', 'v20.0'],
    ['2026-09-24', 'v20.0', 'v21.0'], // v20.0's last day was the 23rd
    ['2026-09-21', 'v26.0', 'v26.0'],
    ['2026-07-28', 'v26.0', undefined], // not yet released
    ['2024-06-01', 'v19.0', 'v19.0'],
    ['2024-06-01', 'v12.0', 'v14.0'], // v13.0 retired May 28 2024
    ['2026-09-21', 'v99.0', undefined],
    ['2026-09-21', 'v3', undefined],
    ['2026-09-21', 'v2.80', undefined],
    ['2026-09-21', 'v23', undefined],
  ];
  for (const [when, asked, served] of cases) {
    it(`serves ${asked} as ${served ?? 'no version'} on ${when}`, () => {
      assert.equal(servedVersion(asked, at(when)), served);
    });
  }

  it('knows which versions were published', () => {
    assert.equal(isPublishedVersion('v2.12'), true);
    assert.equal(isPublishedVersion('v27.0'), false);
    assert.equal(oldestAvailable(at('2028-01-01')), 'v24.0');
  });
});
