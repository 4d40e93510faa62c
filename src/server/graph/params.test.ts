import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFormStrict } from '../plugins/strict-decoding.js';
import { foldBracketKeys } from './params.js';

/** Folds a form as the server parses it, and copies the result onto plain objects to compare. */
function fold(form: string): unknown {
  return JSON.parse(JSON.stringify(foldBracketKeys(parseFormStrict(form))));
}

describe('foldBracketKeys', () => {
  const cases: [string, string, unknown][] = [
    ['no brackets: as parsed', 'a=1&b=2&b=3', { a: '1', b: ['2', '3'] }],
    ['PHP indices', 'ids%5B0%5D=x&ids%5B1%5D=y', { ids: ['x', 'y'] }],
    ['indices out of order, with a gap', 'ids[2]=z&ids[0]=x', { ids: ['x', 'z'] }],
    ['empty brackets append', 'ids[]=x&ids[]=y', { ids: ['x', 'y'] }],
    ['nested objects', 'p[0][user]=1&p[1][user]=2', { p: [{ user: '1' }, { user: '2' }] }],
    ['named keys stay an object', 'o[a]=1&o[b]=2', { o: { a: '1', b: '2' } }],
    ['a repeated index keeps the last value, as PHP', 'ids[0]=x&ids[0]=y', { ids: ['y'] }],
    ['a malformed name is kept as written', 'a[b=1&c]=2', { 'a[b': '1', 'c]': '2' }],
  ];
  for (const [name, form, expected] of cases) {
    it(name, () => assert.deepEqual(fold(form), expected));
  }

  it('never reaches a prototype', () => {
    const folded = foldBracketKeys(parseFormStrict('o[__proto__][x]=1&o[constructor]=2'));
    const o = folded['o'] as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(o), null);
    assert.equal(({} as Record<string, unknown>)['x'], undefined);
    assert.deepEqual(Object.keys(o), ['__proto__', 'constructor']);
  });

  it('refuses a name sent plain and bracketed', () => {
    assert.throws(() => foldBracketKeys(parseFormStrict('ids=x&ids[0]=y')), /sent twice/);
    assert.throws(() => foldBracketKeys(parseFormStrict('ids[0]=x&ids[0][a]=y')), /sent twice/);
  });

  it('returns the record itself when nothing is bracketed', () => {
    const parsed = parseFormStrict('a=1');
    assert.equal(foldBracketKeys(parsed), parsed);
  });
});
