// run.mjs: checks Converse.js against a running Switchboard, the way
// docs/CLIENTS.md describes. Three users' worth of Converse pages in Debian's
// Chromium (headless, through playwright-core from test/browser): user A on
// up to three resources, user B as the peer. Each check prints PASS or FAIL
// with what was seen; every WebSocket frame goes to OUT/converse-*.log and
// a screenshot of each page as it ended to OUT/converse-*.png.
//
//   npm ci --prefix test/browser        # once: converse.js and playwright-core
//   node docs/clients/converse/run.mjs  # with the variables below
//
// WEBSOCKET_URL (default wss://localhost:5443/xmpp-websocket), A and B (bare
// JIDs of two accounts that share no roster yet), A_PASSWORD, B_PASSWORD,
// CHROMIUM (default /usr/bin/chromium), OUT (default .).
import { createRequire } from 'node:module';
import { createServer } from 'node:http';
import { readFile, writeFile } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import tls from 'node:tls';
import path from 'node:path';

const here = path.dirname(new URL(import.meta.url).pathname);
const browserTest = path.join(here, '..', '..', '..', 'test', 'browser');
const { chromium } = createRequire(path.join(browserTest, 'package.json'))('playwright-core');

const env = (name, def) => {
  const v = process.env[name] ?? def;
  if (v === undefined) {
    console.error(`run.mjs: set ${name}`);
    process.exit(2);
  }
  return v;
};
const cfg = {
  ws: env('WEBSOCKET_URL', 'wss://localhost:5443/xmpp-websocket'),
  a: env('A'), aPass: env('A_PASSWORD'),
  b: env('B'), bPass: env('B_PASSWORD'),
  chromium: env('CHROMIUM', '/usr/bin/chromium'),
  out: env('OUT', '.'),
};
const nonce = randomBytes(3).toString('hex');
const start = Date.now();
const log = (...args) => console.log(`+${((Date.now() - start) / 1000).toFixed(1)}s`, ...args);

// The server's certificate is self-signed: Chromium trusts exactly its
// public key and no other certificate error is ignored.
async function spki(wsURL) {
  const u = new URL(wsURL);
  const cert = await new Promise((resolve, reject) => {
    const s = tls.connect({ host: u.hostname, port: Number(u.port || 443), servername: u.hostname, rejectUnauthorized: false }, () => {
      resolve(s.getPeerX509Certificate());
      s.end();
    });
    s.on('error', reject);
  });
  return createHash('sha256').update(cert.publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
}

// Converse's built files and the page, on an origin of their own, as a web
// site that embeds Converse would serve them.
function serve() {
  const dist = path.join(browserTest, 'node_modules', 'converse.js', 'dist');
  const types = { '.js': 'text/javascript', '.css': 'text/css', '.html': 'text/html', '.json': 'application/json', '.svg': 'image/svg+xml', '.woff2': 'font/woff2' };
  const srv = createServer(async (req, res) => {
    const p = new URL(req.url, 'http://x').pathname;
    const file = p === '/' ? path.join(here, 'index.html') : p.startsWith('/dist/') ? path.join(dist, path.normalize(p.slice(6))) : null;
    if (!file || !file.startsWith(here) && !file.startsWith(dist)) { res.writeHead(404).end(); return; }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream' }).end(body);
    } catch { res.writeHead(404).end(); }
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve({ srv, url: `http://127.0.0.1:${srv.address().port}/` })));
}

const results = [];
async function check(name, fn) {
  log('CHECK', name);
  try {
    const detail = await fn();
    results.push({ name, ok: true, detail: detail || '' });
    log('PASS', name, detail || '');
  } catch (e) {
    results.push({ name, ok: false, detail: e.message.split('\n')[0] });
    log('FAIL', name, e.message.split('\n')[0]);
  }
}

const pages = [];
async function open(browser, pageURL, jid, password) {
  const name = jid.replace(/[@/]/g, '_');
  const frames = [];
  const ctx = await browser.newContext(); // fresh storage: nothing cached from an earlier session
  const page = await ctx.newPage();
  page.setDefaultTimeout(15000);
  await page.route((u) => !['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname), (r) => r.abort('blockedbyclient'));
  page.on('pageerror', (e) => frames.push(`pageerror: ${e.message}`));
  page.on('websocket', (ws) => {
    ws.on('framesent', (f) => frames.push(`C: ${f.payload}`));
    ws.on('framereceived', (f) => frames.push(`S: ${f.payload}`));
    ws.on('close', () => frames.push('websocket closed'));
  });
  const q = new URLSearchParams({ websocket_url: cfg.ws, jid, password });
  await page.goto(`${pageURL}?${q}`);
  await page.waitForFunction(() => window.sb?.connected || window.sb?.events.length);
  if (await page.evaluate(() => !window.sb.connected)) throw new Error(`${jid} did not log in`);
  const p = { name, jid, ctx, page, frames };
  pages.push(p);
  return p;
}

// close logs out first, as a user would: a page that just goes away leaves
// a stream-management session for the server to hold until it times out.
async function close(p) {
  await p.page.screenshot({ path: path.join(cfg.out, `converse-${p.name}.png`) }).catch(() => {});
  await p.page.evaluate(() => window.sb.api.user.logout()).catch(() => {});
  await writeFile(path.join(cfg.out, `converse-${p.name}.log`), p.frames.join('\n') + '\n');
  await p.ctx.close();
  p.closed = true;
}

const chat = (p, peer) => p.page.locator(`converse-chat[jid="${peer}"]`);
async function say(p, peer, text) {
  await p.page.evaluate(async (peer) => { await window.sb.api.chats.open(peer, {}, true); }, peer);
  const ta = chat(p, peer).locator('textarea.chat-textarea');
  await ta.fill(text);
  await ta.press('Enter');
}
async function shown(p, peer, text, timeout = 15000) {
  await p.page.evaluate(async (peer) => { await window.sb.api.chats.open(peer, {}, true); }, peer);
  const msg = chat(p, peer).locator('.chat-msg__text', { hasText: text });
  await msg.first().waitFor({ timeout });
  const n = await msg.count();
  if (n !== 1) throw new Error(`"${text}" shown ${n} times at ${p.jid}`);
}
async function notShown(p, peer, text, ms) {
  await p.page.waitForTimeout(ms);
  const n = await chat(p, peer).locator('.chat-msg__text', { hasText: text }).count();
  if (n) throw new Error(`"${text}" shown at ${p.jid}`);
}
const subscription = (p, jid) => p.page.evaluate((jid) => window.sb.converse.state.roster.get(jid)?.get('subscription'), jid);
// presenceFrom finds, among the frames p received from index on, a presence
// from the full JID, unavailable or not.
const presenceFrom = (p, full, unavailable, index = 0) => p.frames.slice(index).some((f) => f.startsWith('S: <presence')
  && (f.includes(`from='${full}'`) || f.includes(`from="${full}"`)) && f.includes('unavailable') === unavailable);
async function until(what, fn, ms = 15000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const { srv, url } = await serve();
const browser = await chromium.launch({
  executablePath: cfg.chromium,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', `--ignore-certificate-errors-spki-list=${await spki(cfg.ws)}`],
});
const A = (r) => `${cfg.a}/${r}`;
let a1, a2, a3, b;
let unblockedAt = 0;
try {
  await check('login over WebSocket', async () => {
    a1 = await open(browser, url, A('converse1'), cfg.aPass);
    b = await open(browser, url, `${cfg.b}/converse`, cfg.bPass);
  });
  if (!a1 || !b) throw new Error('cannot go on without a login');

  await check('roster and subscription both ways', async () => {
    if ((await subscription(a1, cfg.b)) === 'both') return 'already both: use two fresh accounts to check this';
    await a1.page.evaluate(async (b) => { await window.sb.api.contacts.add({ jid: b, name: 'B' }); }, cfg.b);
    await until(`${cfg.b} seeing the request`, () => b.page.evaluate((a) => window.sb.converse.state.roster.get(a)?.get('requesting'), cfg.a));
    await b.page.evaluate((a) => { const c = window.sb.converse.state.roster.get(a); c.authorize(); c.subscribe(); }, cfg.a);
    await until('subscription both at A', async () => (await subscription(a1, cfg.b)) === 'both');
    await until('subscription both at B', async () => (await subscription(b, cfg.a)) === 'both');
    return 'both';
  });

  await check('messages both ways', async () => {
    await say(a1, cfg.b, `A to B ${nonce}`);
    await shown(b, cfg.a, `A to B ${nonce}`);
    await say(b, cfg.a, `B to A ${nonce}`);
    await shown(a1, cfg.b, `B to A ${nonce}`);
  });

  await check('carbons (two resources)', async () => {
    a2 = await open(browser, url, A('converse2'), cfg.aPass);
    await say(b, cfg.a, `B to A, seen by both ${nonce}`);
    await shown(a1, cfg.b, `B to A, seen by both ${nonce}`);
    await shown(a2, cfg.b, `B to A, seen by both ${nonce}`);
    await say(a2, cfg.b, `A2 to B, carbon at A1 ${nonce}`);
    await shown(b, cfg.a, `A2 to B, carbon at A1 ${nonce}`);
    await shown(a1, cfg.b, `A2 to B, carbon at A1 ${nonce}`);
  });

  await check('offline delivery', async () => {
    await close(a1);
    await close(a2);
    await until(`${cfg.a} offline at B`, () => presenceFrom(b, A('converse1'), true) && presenceFrom(b, A('converse2'), true));
    await say(b, cfg.a, `offline ${nonce}`);
    await b.page.waitForTimeout(500);
    a3 = await open(browser, url, A('converse3'), cfg.aPass);
    await shown(a3, cfg.b, `offline ${nonce}`);
    const frame = a3.frames.find((f) => f.startsWith('S:') && f.includes(`offline ${nonce}`) && !f.includes('urn:xmpp:mam'));
    if (!frame) throw new Error('shown, but only from the archive: no live delivery of the stored message');
    return frame.includes('Offline Storage') ? 'delivered from offline storage' : 'delivered live';
  });

  if (!a3) throw new Error('cannot go on without the third login');
  await check('archive (MAM) in a fresh browser', async () => {
    // a3 has no local storage from a1 or a2: these come from the archive.
    await shown(a3, cfg.b, `A to B ${nonce}`);
    await shown(a3, cfg.b, `B to A ${nonce}`);
    await shown(a3, cfg.b, `A2 to B, carbon at A1 ${nonce}`);
  });

  await check('avatar (vCard, XEP-0054/0153)', async () => {
    const png = (await readFile(path.join(here, 'avatar.png'))).toString('base64');
    await a3.page.evaluate(async ([a, png]) => {
      await window.sb.api.vcard.set(a, { fn: 'A', nickname: 'A', image: png, image_type: 'image/png' });
    }, [cfg.a, png]);
    const got = await b.page.evaluate(async (a) => (await window.sb.api.vcard.get(a, true))?.image, cfg.a);
    if (got !== png) throw new Error(`B fetched ${got ? got.length + ' base64 bytes that differ' : 'no image'}`);
    return `${png.length} base64 bytes round-tripped`;
  });

  await check('blocking (XEP-0191)', async () => {
    await a3.page.evaluate(async (b) => { await window.sb.api.blocklist.add(b); }, cfg.b);
    await say(b, cfg.a, `while blocked ${nonce}`);
    await until('an error at B', () => b.frames.some((f) => f.startsWith('S: <message') && f.includes(`while blocked ${nonce}`) && /type=.error./.test(f)));
    await notShown(a3, cfg.b, `while blocked ${nonce}`, 2000);
    unblockedAt = b.frames.length;
    await a3.page.evaluate(async (b) => { await window.sb.api.blocklist.remove(b); }, cfg.b);
    await say(b, cfg.a, `after unblocking ${nonce}`);
    await shown(a3, cfg.b, `after unblocking ${nonce}`);
  });

  await check('presence back after unblocking (XEP-0191 §3.4)', async () => {
    await until(`${A('converse3')}'s presence at B`, () => presenceFrom(b, A('converse3'), false, unblockedAt), 5000);
  });
} finally {
  for (const p of pages) if (!p.closed) await close(p);
  await browser.close();
  srv.close();
}
console.log('\nRESULTS');
for (const r of results) console.log(`${r.ok ? 'PASS' : 'FAIL'}  ${r.name}${r.detail ? ': ' + r.detail : ''}`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
