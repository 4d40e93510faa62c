/**
 * `groupgate clock`, run as the built binary against a Groupgate on a local port that runs on its virtual clock:
 * show, advance (with units), freeze (now or --at), reset, with --json, and the errors a script sees.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ClockReading } from '@groupgate/sdk/contract';
import { ADMIN_TOKEN, Harness } from '../../src/testing/harness.js';
import { REPO_ROOT } from '../../src/testing/shared-dir.js';

const BIN = join(REPO_ROOT, 'bin/groupgate.js');

let h: Harness;
let baseUrl: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the binary without blocking this process, which serves the calls it makes. */
function groupgate(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, GROUPGATE_BASE_URL: baseUrl, GROUPGATE_ADMIN_TOKEN: ADMIN_TOKEN },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

async function json(...args: string[]): Promise<ClockReading> {
  const run = await groupgate(...args, '--json');
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as ClockReading;
}

before(async () => {
  h = await Harness.start({ virtualClock: true });
  baseUrl = await h.app.listen({ port: 0, host: '127.0.0.1' });
});
after(() => h.close());

describe('groupgate clock', () => {
  it('shows the clock for people and for scripts', async () => {
    const run = await groupgate('clock', 'show');
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      /^now {5}\d{4}-\d\d-\d\dT[\d:.]+Z {2}\(\d+\)\noffset {2}[+-][\d.e-]+ s\nfrozen {2}no\n$/,
    );
    const reading = await json('clock', 'show');
    assert.equal(reading.frozen, false);
  });

  it('advances by seconds or with a unit, freezes at --at, and resets', async () => {
    const hour = await json('clock', 'advance', '3600');
    assert.ok(Math.abs(hour.offset_seconds - 3600) < 1);
    const week = await json('clock', 'advance', '7d');
    assert.ok(Math.abs(week.offset_seconds - 3600 - 7 * 86_400) < 1);
    const at = new Date((week.now + 120) * 1000).toISOString();
    const frozen = await json('clock', 'freeze', '--at', at);
    assert.deepEqual([frozen.frozen, frozen.frozen_at], [true, week.now + 120]);
    const human = await groupgate('clock', 'advance', '90s');
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, new RegExp(`frozen {2}yes, at ${week.now + 210}\\n`));
    const reset = await json('clock', 'reset');
    assert.equal(reset.frozen, false);
    assert.ok(Math.abs(reset.offset_seconds) < 1);
  });

  it('refuses a bad duration before calling, and prints the server refusing the past, exit 1', async () => {
    const bad = await groupgate('clock', 'advance', '-5');
    assert.notEqual(bad.code, 0);
    const words = await groupgate('clock', 'advance', 'soon');
    assert.equal(words.code, 1);
    assert.match(words.stderr, /positive number of seconds/);
    const past = await groupgate('clock', 'freeze', '--at', '1000');
    assert.equal(past.code, 1);
    assert.match(past.stderr, /only moves forward.*code 100/);
    assert.equal((await json('clock', 'show')).frozen, false);
  });
});
