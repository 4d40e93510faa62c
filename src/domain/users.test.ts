import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  bsuidFor,
  isBsuid,
  parentBsuidFor,
  PARENT_BSUID_PATTERN,
  userFromWire,
  userIdentity,
  USERNAME_PATTERN,
  userWire,
} from './users.js';

test('a BSUID has Meta format: the number’s country, a dot, 20 digits', () => {
  const id = bsuidFor('102290129340398', '16505551234');
  assert.match(id, /^US\.\d{20}$/);
  assert.ok(isBsuid(id));
  assert.match(bsuidFor('102290129340398', '447700900123'), /^GB\.\d{20}$/);
  assert.match(bsuidFor('102290129340398', '8881234567'), /^ZZ\.\d{20}$/);
});

test('the same user has the same BSUID with one business and another with every other business', () => {
  assert.equal(bsuidFor('waba-a', '16505551234'), bsuidFor('waba-a', '16505551234'));
  assert.notEqual(bsuidFor('waba-a', '16505551234'), bsuidFor('waba-b', '16505551234'));
  assert.notEqual(bsuidFor('waba-a', '16505551234'), bsuidFor('waba-a', '16505551235'));
});

test('a parent BSUID is the user’s across businesses, with the ENT marker', () => {
  const parent = parentBsuidFor('16505551234');
  assert.match(parent, new RegExp(PARENT_BSUID_PATTERN));
  assert.match(parent, /^US\.ENT\.\d{20}$/);
  assert.equal(isBsuid(parent), false);
  const a = userIdentity('waba-a', '16505551234', { parentUserId: true });
  const b = userIdentity('waba-b', '16505551234', { parentUserId: true });
  assert.equal(a.parentUserId, b.parentUserId);
  assert.equal(userIdentity('w', '16505551234', { parentUserId: 'US.ENT.42' }).parentUserId, 'US.ENT.42');
});

test('on the wire: wa_id unless hidden, then user_id, username and parent_user_id when set', () => {
  const plain = userIdentity('w', '16505551234');
  assert.deepEqual(Object.keys(userWire(plain)), ['wa_id', 'user_id']);
  const hidden = userIdentity('w', '16505551234', {
    hidePhoneNumber: true,
    username: 'ana.banana',
    parentUserId: true,
  });
  const wire = userWire(hidden);
  assert.deepEqual(Object.keys(wire), ['user_id', 'username', 'parent_user_id']);
  assert.equal(wire.wa_id, undefined);
  assert.deepEqual(userFromWire('16505551234', JSON.stringify(wire)), hidden);
  assert.deepEqual(userFromWire('16505551234', JSON.stringify(userWire(plain))), plain);
});

test('usernames: 3 to 35 letters, digits, periods and underscores, with a letter', () => {
  const username = new RegExp(USERNAME_PATTERN);
  for (const ok of ['ana', 'ana.banana', 'a_1', 'x'.repeat(35)]) assert.match(ok, username);
  for (const bad of ['ab', '123', 'x'.repeat(36), 'ana banana', 'ana@x']) assert.doesNotMatch(bad, username);
});
