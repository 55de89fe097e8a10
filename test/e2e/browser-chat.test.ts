import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { pino } from 'pino';
import { startDemoServer, type DemoServer } from '../../demo/demo-server.js';
import { CHROMIUM_ARGS, chromiumPath } from '../support/chromium-path.js';

const browserPath = chromiumPath();
const artifacts = new URL('../../../test-artifacts/', import.meta.url);

describe('the demo page in a real browser', { skip: browserPath.skip, timeout: 60_000 }, () => {
  let server: DemoServer;
  let browser: Browser;

  before(async () => {
    server = await startDemoServer({ port: 0, logger: pino({ level: 'silent' }) });
    browser = await chromium.launch({ executablePath: browserPath.path, headless: true, args: [...CHROMIUM_ARGS] });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function open(context: Awaited<ReturnType<Browser['newContext']>>, name: string): Promise<Page> {
    const page = await context.newPage();
    await page.goto(server.url);
    await page.fill('#name', name);
    await page.click('#name-form button');
    await page.locator('#room-list li.active', { hasText: 'lobby' }).waitFor();
    await page.locator('#status[data-state="open"]').waitFor();
    return page;
  }

  it('two pages join a room; one types, the other sees the message', async () => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 760 } });
    const ada = await open(context, 'ada');
    const bob = await open(context, 'bob');
    await ada.locator('#members li', { hasText: 'bob' }).waitFor();
    await ada.fill('#text', 'Hello from Ada!');
    await ada.press('#text', 'Enter');
    const seen = bob.locator('#messages li', { hasText: 'Hello from Ada!' });
    await seen.waitFor();
    assert.match((await seen.textContent()) ?? '', /ada/);
    await bob.fill('#text', 'Hi Ada, Bob here.');
    await bob.press('#text', 'Enter');
    await ada.locator('#messages li', { hasText: 'Bob here' }).waitFor();
    // Each room in the list shows its statistics (room.stats), kept up to date as messages come and go.
    for (const page of [ada, bob]) await page.locator('#room-list li.active .stats', { hasText: /^2 messages · active / }).waitFor();
    await bob.click('#cart-form button');
    await bob.locator('#cart-total', { hasText: '1' }).waitFor();
    mkdirSync(artifacts, { recursive: true });
    await bob.screenshot({ path: new URL('browser-chat.png', artifacts).pathname });
    await context.close();
  });

  it('a late joiner sees the recent messages of the room, from its most active member\'s page', async () => {
    const context = await browser.newContext();
    const dora = await open(context, 'dora');
    await dora.fill('#room', 'late-room');
    await dora.press('#room', 'Enter');
    await dora.locator('#room-list li.active', { hasText: 'late-room' }).waitFor();
    for (const text of ['First words in the room', 'Second words in the room']) {
      await dora.fill('#text', text);
      await dora.press('#text', 'Enter');
      await dora.locator('#room-list li.active .stats', { hasText: text.startsWith('First') ? /^1 message/ : /^2 messages/ }).waitFor();
    }
    const eve = await open(context, 'eve');
    await eve.fill('#room', 'late-room');
    await eve.press('#room', 'Enter');
    await eve.locator('#room-list li.active', { hasText: 'late-room' }).waitFor();
    await eve.locator('#messages li.system', { hasText: "from a member's view of the room" }).waitFor();
    const recent = eve.locator('#messages li.recent');
    await recent.nth(1).waitFor();
    // Each message is its sender line, then the text itself.
    assert.deepEqual(await recent.evaluateAll((items) => items.map((item) => item.lastChild?.textContent)), ['First words in the room', 'Second words in the room']);
    assert.match((await recent.first().textContent()) ?? '', /^dora/);
    await context.close();
  });

  it('two tabs of one user keep the cart in step', async () => {
    const context = await browser.newContext();
    const tab1 = await open(context, 'carol');
    const tab2 = await open(context, 'carol');
    await tab1.selectOption('#item', 'mug');
    await tab1.selectOption('#color', 'red');
    await tab1.click('#cart-form button');
    await tab2.locator('#cart-lines li', { hasText: 'mug · red' }).waitFor();
    await tab2.click('#cart-form button');
    await tab1.locator('#cart-total', { hasText: '2' }).waitFor();
    assert.equal(await tab2.textContent('#cart-total'), '2');
    await context.close();
  });
});
