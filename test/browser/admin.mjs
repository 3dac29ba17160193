// admin.mjs: run by admin_test.go. It opens the server's admin page in
// Debian's Chromium through playwright-core, logs in as ADMIN_USER, waits
// for SESSION_JID among the sessions, kicks it and waits for it to go,
// then creates the account NEW_USER with NEW_PASSWORD. It prints each
// step, the page's console and errors and every API call that failed,
// and exits 0 only on success.
import { chromium } from 'playwright-core';

const need = (name) => {
  const v = process.env[name];
  if (!v) {
    console.error(`admin.mjs: ${name} is not set (admin_test.go sets it)`);
    process.exit(2);
  }
  return v;
};
const cfg = {
  chromium: need('CHROMIUM'),
  url: need('ADMIN_URL'),
  user: need('ADMIN_USER'),
  password: need('ADMIN_PASSWORD'),
  session: need('SESSION_JID'),
  newUser: need('NEW_USER'),
  newPassword: need('NEW_PASSWORD'),
  stepMs: Number(process.env.STEP_TIMEOUT_MS || 20000),
};

const start = Date.now();
const log = (...args) => console.log(`+${((Date.now() - start) / 1000).toFixed(2)}s`, ...args);

// As in drive.mjs: nothing but loopback is reached.
const args = ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

async function run(browser) {
  const page = await browser.newPage();
  page.setDefaultTimeout(cfg.stepMs);
  page.on('console', (m) => log(`console.${m.type()}:`, m.text()));
  page.on('pageerror', (e) => log('pageerror:', e.message));
  page.on('response', (r) => { if (r.status() >= 400) log('HTTP', r.status(), r.request().method(), r.url()); });

  await page.goto(cfg.url);
  await page.fill('#login-user', cfg.user);
  await page.fill('#login-password', cfg.password);
  await page.click('#login-submit');
  await page.locator('#admin').waitFor({ state: 'visible' });
  log('STEP logged in as', cfg.user);

  const row = page.locator(`#sessions tr[data-jid="${cfg.session}"]`);
  await row.waitFor();
  log('STEP session listed:', (await row.innerText()).replaceAll('\t', ' | '));
  await row.locator('button.kick').click();
  await row.waitFor({ state: 'detached' });
  log('STEP session kicked:', cfg.session);

  await page.fill('#new-user', cfg.newUser);
  await page.fill('#new-password', cfg.newPassword);
  await page.click('#create-user');
  await page.locator('#created', { hasText: `Created ${cfg.newUser}@` }).waitFor();
  await page.locator('#users li', { hasText: cfg.newUser }).waitFor();
  log('STEP account created:', await page.locator('#created').innerText());
  if (await page.locator('#error').isVisible()) {
    throw new Error(`the page shows an error: ${await page.locator('#error').innerText()}`);
  }
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
  const page = browser.contexts()[0]?.pages()[0];
  if (process.env.SCREENSHOT && page) {
    await page.screenshot({ path: process.env.SCREENSHOT }).catch((e) => log('screenshot:', e.message));
  }
  await browser.close();
}
process.exit(code);
