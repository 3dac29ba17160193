// drive_muc.mjs: run by muc_test.go. Two Converse.js users, each in a
// browser context of its own (its own storage) in Debian's Chromium, log
// in over WebSocket. Neither is told to open the room: each must find
// ROOM among its bookmarks with autojoin set (XEP-0402, which Converse
// reads when the account advertises urn:xmpp:bookmarks:1#compat) and join
// it. Then the first sends FIRST_TEXT into the room, the second must see
// it and answers SECOND_TEXT, which the first must see. It prints both
// sides' WebSocket frames and console, and exits 0 only on success.
import { chromium } from 'playwright-core';

const need = (name) => {
  const v = process.env[name];
  if (!v) {
    console.error(`drive_muc.mjs: ${name} is not set (muc_test.go sets it)`);
    process.exit(2);
  }
  return v;
};
const cfg = {
  chromium: need('CHROMIUM'),
  pageURL: need('PAGE_URL'),
  wsURL: need('WEBSOCKET_URL'),
  jids: need('JIDS').split(','),
  password: need('PASSWORD'),
  room: need('ROOM'),
  first: need('FIRST_TEXT'),
  second: need('SECOND_TEXT'),
  spki: need('SPKI'),
  stepMs: Number(process.env.STEP_TIMEOUT_MS || 60000),
};

const start = Date.now();
const log = (...args) => console.log(`+${((Date.now() - start) / 1000).toFixed(2)}s`, ...args);

// As in drive.mjs.
const args = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  `--ignore-certificate-errors-spki-list=${cfg.spki}`,
];

// login opens the page for jid in a context of its own and waits until
// Converse is connected; it returns the room's view as a locator.
async function login(browser, jid) {
  const who = jid.split('@')[0];
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(cfg.stepMs);
  const blocked = (text) => text?.includes('ERR_BLOCKED_BY_CLIENT');
  page.on('console', (m) => blocked(m.text()) || log(`${who} console.${m.type()}:`, m.text()));
  page.on('pageerror', (e) => log(`${who} pageerror:`, e.message));
  await page.route(
    (url) => !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname),
    (route) => route.abort('blockedbyclient'),
  );
  page.on('websocket', (ws) => {
    ws.on('framesent', (f) => log(`${who} C:`, f.payload));
    ws.on('framereceived', (f) => log(`${who} S:`, f.payload));
  });
  const q = new URLSearchParams({ websocket_url: cfg.wsURL, jid, password: cfg.password });
  await page.goto(`${cfg.pageURL}?${q}`);
  await page.waitForFunction(() => window.switchboardTest?.connected || window.switchboardTest?.events.length);
  const events = await page.evaluate(() => window.switchboardTest.events);
  if (events.length) throw new Error(`Converse did not log in as ${jid}: ${events.join(', ')}`);
  log('STEP logged in as', jid);
  return page.locator(`converse-muc[jid="${cfg.room}"]`);
}

// say types text into the room's box and waits until it shows there.
async function say(room, text) {
  const textarea = room.locator('textarea.chat-textarea');
  await textarea.fill(text);
  await textarea.press('Enter');
  await room.locator('.chat-msg__text', { hasText: text }).waitFor();
}

async function run(browser) {
  const [a, b] = await Promise.all(cfg.jids.map((jid) => login(browser, jid)));
  // Only the bookmark's autojoin opens the room: nothing here asks for it.
  await Promise.all([a, b].map((room) => room.locator('textarea.chat-textarea').waitFor()));
  log('STEP both joined', cfg.room, 'from their bookmarks');

  await say(a, cfg.first);
  log('STEP', cfg.jids[0], 'said:', cfg.first);
  await b.locator('.chat-msg__text', { hasText: cfg.first }).waitFor();
  log('STEP', cfg.jids[1], 'sees:', cfg.first);

  await say(b, cfg.second);
  log('STEP', cfg.jids[1], 'said:', cfg.second);
  await a.locator('.chat-msg__text', { hasText: cfg.second }).waitFor();
  log('STEP', cfg.jids[0], 'sees:', cfg.second);
}

let code = 1;
const browser = await chromium.launch({ executablePath: cfg.chromium, headless: true, args, timeout: cfg.stepMs });
try {
  await run(browser);
  code = 0;
  log('OK');
} catch (e) {
  log('FAILED:', e.message);
} finally {
  await browser.close();
}
process.exit(code);
