import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BatchReferenceError, referencedNames, resolveReferences } from './json-path.js';

const answers = new Map([
  [
    'list',
    { ok: true, body: { data: [{ id: '1' }, { id: '2' }, { id: 3 }], paging: { cursors: { after: 'A' } } } },
  ],
  ['broken', { ok: false, body: { error: { code: 100 } } }],
]);
const plain = (v: string) => v;

describe('batch references {result=name:$.path}', () => {
  it('selects keys, indexes and wildcards; several values are joined with commas', () => {
    assert.equal(resolveReferences('{result=list:$.data.*.id}', answers, plain), '1,2,3');
    assert.equal(resolveReferences('{result=list:$.data[1].id}', answers, plain), '2');
    assert.equal(resolveReferences('{result=list:$.data.0.id}', answers, plain), '1');
    assert.equal(resolveReferences('x/{result=list:$.paging.cursors.after}/y', answers, plain), 'x/A/y');
    assert.equal(resolveReferences('{result=list:$.data[*].id}', answers, encodeURIComponent), '1%2C2%2C3');
  });

  it('names what it refers to, and refuses what it cannot resolve', () => {
    assert.deepEqual(referencedNames('{result=a:$.x} and {result=b-2:$.y}'), ['a', 'b-2']);
    assert.throws(() => resolveReferences('{result=nobody:$.x}', answers, plain), BatchReferenceError);
    assert.throws(() => resolveReferences('{result=broken:$.error}', answers, plain), /depends on failed/);
    assert.throws(() => resolveReferences('{result=list:$.data[9].id}', answers, plain), /selects nothing/);
    assert.throws(() => resolveReferences('{result=list:$..id}', answers, plain), /unsupported JSONPath/);
  });
});
