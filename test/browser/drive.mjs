// drive.mjs: run by browser_test.go. It opens the Converse.js page in
// Debian's Chromium through playwright-core, waits until Converse has logged
// in over WebSocket (WEBSOCKET_URL) or BOSH (BOSH_URL: then no WebSocket may
// open), sends SEND_TEXT to PEER by typing it into the chat view, and waits
// until EXPECT_TEXT from PEER shows in that view. It prints every WebSocket
// frame or BOSH body (C: sent by the browser, S: from the server), the
// page's console and its errors, and exits 0 only on success.
import { chromium } from 'playwright-core';

const need = (name) => {
  const v = process.env[name];
  if (!v) {
    console.error(`drive.mjs: ${name} is not set (browser_test.go sets it)`);
    process.exit(2);
  }
  return v;
};
const cfg = {
  chromium: need('CHROMIUM'),
  pageURL: need('PAGE_URL'),
  wsURL: process.env.WEBSOCKET_URL,
  boshURL: process.env.BOSH_URL,
  jid: need('JID'),
  password: need('PASSWORD'),
  peer: need('PEER'),
  send: need('SEND_TEXT'),
  expect: need('EXPECT_TEXT'),
  spki: need('SPKI'),
  stepMs: Number(process.env.STEP_TIMEOUT_MS || 20000),
};

if (!cfg.wsURL === !cfg.boshURL) {
  console.error('drive.mjs: set exactly one of WEBSOCKET_URL and BOSH_URL (browser_test.go does)');
  process.exit(2);
}

const start = Date.now();
const log = (...args) => console.log(`+${((Date.now() - start) / 1000).toFixed(2)}s`, ...args);

// Flags as known to work on this kind of machine (docs: env machines/go.md):
// without the background-networking ones Chromium keeps trying hosts the
// closed network refuses. The server's certificate is self-signed: Chromium
// trusts exactly its public key (SPKI hash computed by the Go test) and no
// other certificate error is ignored.
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

async function run(browser) {
  const page = await browser.newPage();
  page.setDefaultTimeout(cfg.stepMs);
  const blocked = (text) => text?.includes('ERR_BLOCKED_BY_CLIENT');
  page.on('console', (m) => blocked(m.text()) || log(`console.${m.type()}:`, m.text()));
  page.on('pageerror', (e) => log('pageerror:', e.message));
  page.on('requestfailed', (r) => blocked(r.failure()?.errorText) || log('request failed:', r.url(), r.failure()?.errorText));
  page.on('response', (r) => { if (r.status() >= 400) log('HTTP', r.status(), r.url()); });
  // Converse's login form shows sponsors' logos from its web site: only
  // this machine is reached, so everything not on loopback is refused here,
  // before any name lookup.
  await page.route(
    (url) => !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname),
    (route) => { log('blocked (not loopback):', route.request().url()); return route.abort('blockedbyclient'); },
  );
  let websockets = 0;
  page.on('websocket', (ws) => {
    websockets++;
    log('websocket opened:', ws.url());
    ws.on('framesent', (f) => log('C:', f.payload));
    ws.on('framereceived', (f) => log('S:', f.payload));
    ws.on('socketerror', (e) => log('websocket error:', e));
    ws.on('close', () => log('websocket closed'));
  });

  if (cfg.boshURL) {
    page.on('request', (r) => { if (r.url() === cfg.boshURL) log('C:', r.method(), r.postData()); });
    page.on('response', async (r) => {
      if (r.url() === cfg.boshURL) log('S:', r.status(), await r.text().catch((e) => `(${e.message})`));
    });
  }
  const q = new URLSearchParams({ jid: cfg.jid, password: cfg.password });
  if (cfg.wsURL) q.set('websocket_url', cfg.wsURL);
  if (cfg.boshURL) q.set('bosh_service_url', cfg.boshURL);
  if (process.env.CONVERSE_LOGLEVEL) q.set('loglevel', process.env.CONVERSE_LOGLEVEL);
  await page.goto(`${cfg.pageURL}?${q}`);

  // Logged in, or given up: a failed login disconnects at once.
  await page.waitForFunction(() => window.switchboardTest?.connected || window.switchboardTest?.events.length);
  const events = await page.evaluate(() => window.switchboardTest.events);
  if (events.length) throw new Error(`Converse did not log in: ${events.join(', ')}`);
  log('STEP logged in as', cfg.jid);

  await page.evaluate(async (peer) => { await window.switchboardTest.api.chats.open(peer); }, cfg.peer);
  const chat = page.locator(`converse-chat[jid="${cfg.peer}"]`);
  const textarea = chat.locator('textarea.chat-textarea');
  await textarea.fill(cfg.send);
  await textarea.press('Enter');
  await chat.locator('.chat-msg__text', { hasText: cfg.send }).waitFor();
  log('STEP sent and shown in the chat view:', cfg.send);

  const reply = chat.locator('.chat-msg__text', { hasText: cfg.expect });
  await reply.waitFor();
  log('STEP reply shown in the chat view:', await reply.innerText());
  if (cfg.boshURL && websockets > 0) throw new Error(`${websockets} WebSocket(s) opened on a BOSH run`);
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
  // SCREENSHOT=/path/to.png keeps a picture of the page as it ended.
  const page = browser.contexts()[0]?.pages()[0];
  if (process.env.SCREENSHOT && page) {
    await page.screenshot({ path: process.env.SCREENSHOT }).catch((e) => log('screenshot:', e.message));
  }
  await browser.close();
}
process.exit(code);
