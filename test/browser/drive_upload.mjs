// drive_upload.mjs: run by upload_test.go. It opens the Converse.js page in
// Debian's Chromium through playwright-core as drive.mjs does, opens a chat
// with PEER, and picks a file named FILE_NAME holding FILE_TEXT in the chat
// toolbar's file input: Converse asks the server's upload service for a
// slot, PUTs the file across origins and sends PEER the link. It waits
// until the message with the link shows in the chat view, prints the
// browser's HTTP traffic and exits 0 only on success.
import { chromium } from 'playwright-core';

const need = (name) => {
  const v = process.env[name];
  if (!v) {
    console.error(`drive_upload.mjs: ${name} is not set (upload_test.go sets it)`);
    process.exit(2);
  }
  return v;
};
const cfg = {
  chromium: need('CHROMIUM'),
  pageURL: need('PAGE_URL'),
  wsURL: need('WEBSOCKET_URL'),
  jid: need('JID'),
  password: need('PASSWORD'),
  peer: need('PEER'),
  fileName: need('FILE_NAME'),
  fileText: need('FILE_TEXT'),
  spki: need('SPKI'),
  stepMs: Number(process.env.STEP_TIMEOUT_MS || 20000),
};

const start = Date.now();
const log = (...args) => console.log(`+${((Date.now() - start) / 1000).toFixed(2)}s`, ...args);

// As in drive.mjs. The upload listener has the server's certificate, so
// the one SPKI pin covers both; Chromium resolves upload.localhost to
// loopback by itself.
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

const loopback = (host) => ['127.0.0.1', 'localhost', '[::1]'].includes(host) || host.endsWith('.localhost');

async function run(browser) {
  const page = await browser.newPage();
  page.setDefaultTimeout(cfg.stepMs);
  const blocked = (text) => text?.includes('ERR_BLOCKED_BY_CLIENT');
  page.on('console', (m) => blocked(m.text()) || log(`console.${m.type()}:`, m.text()));
  page.on('pageerror', (e) => log('pageerror:', e.message));
  page.on('requestfailed', (r) => blocked(r.failure()?.errorText) || log('request failed:', r.method(), r.url(), r.failure()?.errorText));
  page.on('response', (r) => { if (!r.url().includes('/dist/')) log('HTTP', r.request().method(), r.status(), r.url()); });
  await page.route(
    (url) => !loopback(url.hostname),
    (route) => { log('blocked (not loopback):', route.request().url()); return route.abort('blockedbyclient'); },
  );
  page.on('websocket', (ws) => {
    ws.on('framesent', (f) => log('C:', f.payload));
    ws.on('framereceived', (f) => log('S:', f.payload));
  });

  const q = new URLSearchParams({ websocket_url: cfg.wsURL, jid: cfg.jid, password: cfg.password });
  await page.goto(`${cfg.pageURL}?${q}`);
  await page.waitForFunction(() => window.switchboardTest?.connected || window.switchboardTest?.events.length);
  const events = await page.evaluate(() => window.switchboardTest.events);
  if (events.length) throw new Error(`Converse did not log in: ${events.join(', ')}`);
  log('STEP logged in as', cfg.jid);

  await page.evaluate(async (peer) => { await window.switchboardTest.api.chats.open(peer); }, cfg.peer);
  const chat = page.locator(`converse-chat[jid="${cfg.peer}"]`);
  const input = chat.locator('input.fileupload');
  await input.waitFor({ state: 'attached' });
  await input.setInputFiles({ name: cfg.fileName, mimeType: 'text/plain', buffer: Buffer.from(cfg.fileText) });
  log('STEP file picked:', cfg.fileName);

  const link = chat.locator(`.chat-msg a[href*="${cfg.fileName}"]`).first();
  await link.waitFor();
  log('STEP uploaded and shown in the chat view:', await link.getAttribute('href'));
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
