/**
 * The moderation console in a real browser (Debian's chromium through playwright-core) against a real Groupgate:
 * sign-in, live updates, single and bulk decisions, per-item failures, the invite link, the keyboard, and a phone
 * sized screen. Each test leaves a screenshot in test-results/console/.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { Harness, V, ADMIN_TOKEN, type Business, type Group } from '../../src/testing/harness.js';
import { REPO_ROOT } from '../../src/testing/shared-dir.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(REPO_ROOT, 'test-results/console');

function browserSkipReason(): string | false {
  if (existsSync(CHROMIUM)) return false;
  const reason = `${CHROMIUM} not found (apt-get install chromium)`;
  if (process.env['CI'] === 'true') throw new Error(`CI=true requires the browser tests to run: ${reason}`);
  process.stdout.write(`# skipping console browser tests: ${reason}\n`);
  return reason;
}
const skip = browserSkipReason();

let h: Harness;
let baseUrl: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let business: Business;
let group: Group;

before(async () => {
  if (skip !== false) return;
  mkdirSync(SHOTS, { recursive: true });
  h = await Harness.start();
  // Real time: the page shows how long each request has waited, against the browser's clock.
  h.now = Math.floor(Date.now() / 1000) - 600;
  baseUrl = await h.app.listen({ port: 0, host: '127.0.0.1' });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

after(async () => {
  if (skip !== false) return;
  await browser.close();
  await h.close();
});

let shot = 0;
async function screenshot(name: string): Promise<void> {
  await page.screenshot({
    path: join(SHOTS, `${String(++shot).padStart(2, '0')}-${name}.png`),
    fullPage: true,
  });
}

async function askToJoin(waId: string, target = group): Promise<void> {
  await h.control('POST', `/_groupgate/users/${waId}/join`, { invite_link: target.inviteLink });
}

/** What the browser reported as blocked by the page's Content-Security-Policy, for the current page. */
let policyViolations: string[] = [];

async function signIn(viewport = { width: 1280, height: 860 }): Promise<void> {
  context = await browser.newContext({ viewport });
  page = await context.newPage();
  policyViolations = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) policyViolations.push(message.text());
  });
  await page.goto(`${baseUrl}/console`);
  await page.getByLabel('Access token').fill(business.access_token);
  await page.getByLabel('Phone number ID').fill(business.phone_number_id);
  await page.getByLabel(/Admin token/).fill(ADMIN_TOKEN);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Pending join requests' }).waitFor();
}

const row = (waId: string) => page.locator('li[data-row]', { hasText: waId });

describe('console', { skip }, () => {
  beforeEach(async () => {
    await h.control('POST', '/_groupgate/reset');
    business = await h.createBusiness();
    group = await h.createGroup(business, { subject: 'Launch team' });
    for (const waId of ['16505550001', '16505550002', '16505550003']) await askToJoin(waId);
  });

  it('signs in with the token kept out of the URL, and lists pending requests oldest first', async () => {
    await signIn();
    await row('16505550003').waitFor();
    const numbers = await page.locator('li[data-row] .wa-id').allTextContents();
    assert.deepEqual(numbers, ['16505550001', '16505550002', '16505550003']);
    assert.ok(!page.url().includes(business.access_token), page.url());
    assert.equal(await page.getByRole('combobox', { name: 'Group' }).inputValue(), group.groupId);
    await screenshot('signed-in');
    await context.close();
  });

  it('runs under its Content-Security-Policy without a single blocked script, style or call', async () => {
    await signIn();
    await row('16505550003').waitFor();
    await page.getByRole('button', { name: 'Approve 16505550001' }).click();
    await page.getByRole('status').filter({ hasText: 'Approved 1.' }).waitFor();
    const response = await page.request.get(`${baseUrl}/console`);
    assert.match(response.headers()['content-security-policy'] ?? '', /script-src 'self' 'sha256-/);
    assert.deepEqual(policyViolations, []);
    await context.close();
  });

  it('refuses a wrong token with the Graph error', async () => {
    context = await browser.newContext();
    page = await context.newPage();
    await page.goto(`${baseUrl}/console`);
    await page.getByLabel('Access token').fill('EAAG-wrong');
    await page.getByLabel('Phone number ID').fill(business.phone_number_id);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'code 190' }).waitFor();
    await screenshot('sign-in-refused');
    await context.close();
  });

  it('shows a request as soon as a simulated user asks, without a reload', async () => {
    await signIn();
    await row('16505550003').waitFor();
    await askToJoin('447700900123');
    await row('447700900123').waitFor({ timeout: 6000 });
    await screenshot('live-update');
    await context.close();
  });

  it('approves one request from its row, and the participant count follows', async () => {
    await signIn();
    await page.getByRole('button', { name: 'Approve 16505550001' }).click();
    await row('16505550001').waitFor({ state: 'detached' });
    await page.getByRole('status').filter({ hasText: 'Approved 1.' }).waitFor();
    await page.locator('.group .count', { hasText: '1 / 8' }).waitFor({ timeout: 6000 });
    assert.deepEqual(await h.participants(group), ['16505550001']);
    await screenshot('approved-one');
    await context.close();
  });

  it('rejects a shift-click range in one action', async () => {
    await askToJoin('16505550004');
    await signIn();
    await row('16505550004').waitFor();
    await page.getByRole('checkbox', { name: 'Select 16505550001' }).click();
    await page.getByRole('checkbox', { name: 'Select 16505550003' }).click({ modifiers: ['Shift'] });
    await page.getByRole('button', { name: 'Reject selected (3)' }).click();
    await page.getByRole('status').filter({ hasText: 'Rejected 3.' }).waitFor();
    assert.deepEqual(await page.locator('li[data-row] .wa-id').allTextContents(), ['16505550004']);
    await screenshot('bulk-rejected');
    await context.close();
  });

  it("shows a per-item failure next to the request, with Meta's code and title", async () => {
    // Fill the group to Meta's cap: the next approval fails with 131204 and the request stays pending.
    const more = Array.from({ length: 8 }, (_, i) => `4477009001${String(i).padStart(2, '0')}`);
    for (const waId of more) await askToJoin(waId);
    const page1 = await h.graph<{ data: { join_request_id: string; wa_id: string }[] }>({
      method: 'GET',
      url: `/${V}/${group.groupId}/join_requests?limit=100`,
      token: business.access_token,
    });
    const ids = page1.body.data.filter((r) => more.includes(r.wa_id)).map((r) => r.join_request_id);
    await h.graph({
      method: 'POST',
      url: `/${V}/${group.groupId}/join_requests`,
      token: business.access_token,
      json: { messaging_product: 'whatsapp', join_requests: ids },
    });
    await signIn();
    await page.getByRole('button', { name: 'Approve 16505550002' }).click();
    await row('16505550002').locator('.item-error', { hasText: '131204 Participant over limit' }).waitFor();
    await page.getByRole('alert').filter({ hasText: '16505550002: 131204 Participant over limit' }).waitFor();
    await page.locator('.group .full').waitFor();
    await screenshot('item-failure');
    await context.close();
  });

  it('copies and resets the invite link; the old link stops working', async () => {
    await signIn();
    const link = page.getByTestId('invite-link');
    await link.filter({ hasText: group.inviteLink }).waitFor();
    await page.getByRole('button', { name: 'Reset link' }).click();
    await page.getByRole('button', { name: 'Confirm reset' }).click();
    await page.getByRole('status').filter({ hasText: 'old link no longer works' }).waitFor();
    const fresh = (await link.textContent()) ?? '';
    assert.match(fresh, /^https:\/\/chat\.whatsapp\.com\/\w+$/);
    assert.notEqual(fresh, group.inviteLink);
    const stale = await h.control('POST', '/_groupgate/users/16505559999/join', {
      invite_link: group.inviteLink,
    });
    assert.equal(stale.status, 404);
    await screenshot('invite-link-reset');
    await context.close();
  });

  it('works from the keyboard alone: j/k move, x selects, a approves, r rejects', async () => {
    await signIn();
    await row('16505550003').waitFor();
    await page.locator('li[data-row]').first().focus();
    await page.keyboard.press('j');
    await page.keyboard.press('x');
    await page.keyboard.press('j');
    await page.keyboard.press('x');
    await page.getByRole('button', { name: 'Approve selected (2)' }).waitFor();
    await page.keyboard.press('a');
    await page.getByRole('status').filter({ hasText: 'Approved 2.' }).waitFor();
    assert.deepEqual((await h.participants(group)).sort(), ['16505550002', '16505550003']);
    await page.locator('li[data-row]').first().focus();
    await page.keyboard.press('k');
    await page.keyboard.press('r');
    await page.getByRole('status').filter({ hasText: 'Rejected 1.' }).waitFor();
    await page.getByText('No pending join requests.').waitFor();
    await screenshot('keyboard');
    await context.close();
  });

  it('fits a 360 px wide phone with every control named', async () => {
    await signIn({ width: 360, height: 740 });
    await row('16505550003').waitFor();
    // Evaluated in the page; written as text because this file is compiled without the DOM's types.
    const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
    assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow} px`);
    const unnamed = (await page.evaluate(`[...document.querySelectorAll('button, input, select')]
      .filter((el) => {
        const label = el.getAttribute('aria-label') ?? el.labels?.[0]?.textContent ?? '';
        return (el.textContent ?? '').trim() === '' && label.trim() === '';
      })
      .map((el) => el.outerHTML.slice(0, 80))`)) as string[];
    assert.deepEqual(unnamed, []);
    const approve = await page.getByRole('button', { name: 'Approve 16505550001' }).boundingBox();
    assert.ok(approve !== null && approve.x + approve.width <= 360, 'row buttons stay on screen');
    await screenshot('phone-360');
    await context.close();
  });
});
