/**
 * The virtual clock through the SDK, on a server `startGroupgate()` started: read, advance, freeze and reset the
 * clock with `control`, and see a token expire on the Graph API when the clock passes its expiry.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AuthenticationError, GroupsClient, InvalidParameterError } from '@groupgate/sdk';
import { startGroupgate, type Groupgate } from '../../src/start.js';

let gg: Groupgate;

before(async () => {
  gg = await startGroupgate();
});
after(() => gg.close());

describe('ControlClient: the virtual clock', () => {
  it('reads real time, advances, freezes, refuses to go back, and resets', async () => {
    const real = await gg.control.clock();
    assert.equal(real.frozen, false);
    assert.ok(Math.abs(real.offset_seconds) < 1);

    const ahead = await gg.control.advanceClock(3600);
    assert.ok(Math.abs(ahead.offset_seconds - 3600) < 1);

    const at = new Date((ahead.now + 60) * 1000);
    const frozen = await gg.control.freezeClock(at);
    assert.deepEqual([frozen.frozen, frozen.frozen_at, frozen.now], [true, ahead.now + 60, ahead.now + 60]);
    assert.equal((await gg.control.clock()).now_iso, frozen.now_iso);

    await assert.rejects(gg.control.freezeClock(real.now), (error) => {
      assert.ok(error instanceof InvalidParameterError);
      assert.match(error.message, /only moves forward/);
      return true;
    });
    await assert.rejects(gg.control.advanceClock(-1), InvalidParameterError);

    const back = await gg.control.resetClock();
    assert.equal(back.frozen, false);
    assert.ok(Math.abs(back.offset_seconds) < 1);
  });

  it('expires a token on the Graph API once the clock passes its expiry', async () => {
    const business = await gg.control.businesses.create();
    const { access_token: accessToken } = await gg.control.tokens.create(business.waba_id, {
      expires_in: 600,
    });
    const graph = new GroupsClient({
      baseUrl: gg.url,
      accessToken,
      phoneNumberId: business.phone_number_id,
      retry: false,
    });
    await graph.groups.list();
    await gg.control.advanceClock(601);
    await assert.rejects(graph.groups.list(), (error) => {
      assert.ok(error instanceof AuthenticationError);
      assert.deepEqual([error.code, error.subcode], [190, 463]);
      return true;
    });
    await gg.control.resetClock();
  });
});
