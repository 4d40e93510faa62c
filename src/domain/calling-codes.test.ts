import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countryOfNumber, UNKNOWN_COUNTRY } from './calling-codes.js';

test('the longest calling code that prefixes the number decides the country', () => {
  const cases: [string, string][] = [
    ['16505551234', 'US'],
    ['447700900123', 'GB'],
    ['4915123456789', 'DE'],
    ['5511987654321', 'BR'],
    ['919876543210', 'IN'],
    ['79161234567', 'RU'],
    ['77011234567', 'KZ'],
    ['971501234567', 'AE'],
    ['2348012345678', 'NG'],
    ['351912345678', 'PT'],
    ['35312345678', 'IE'],
  ];
  for (const [number, country] of cases) assert.equal(countryOfNumber(number), country, number);
});

test('a number no code in the table matches is filed under ZZ', () => {
  assert.equal(UNKNOWN_COUNTRY, 'ZZ');
  assert.equal(countryOfNumber('8881234567'), 'ZZ');
  assert.equal(countryOfNumber('0123'), 'ZZ');
  assert.equal(countryOfNumber(''), 'ZZ');
});
