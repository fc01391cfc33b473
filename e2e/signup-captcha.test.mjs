// Web self sign-up with the captcha: the page fetches a proof-of-work
// challenge, solves it in a Web Worker while it says "Checking this
// browser…", and sends the solution with the form. The server runs at the
// production difficulty, so the check is visible. A refused check shows
// next to the submit button, and the next try passes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { artifacts, launchBrowser, startGatehouse, startMail } from './harness.mjs';

let mail, app, browser, page;
const pageErrors = [];

before(async () => {
  mail = await startMail();
  app = await startGatehouse(mail, { captchaDifficulty: 18 });
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1180, height: 900 }, locale: 'en-US', timezoneId: 'Europe/Moscow' });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(String(e)));
});

after(async () => {
  await browser?.close();
  await app?.stop();
  await mail?.close();
});

const shot = (name) => page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
const byId = (id) => page.getByTestId(id);
const user = { name: 'Vera Sokolova', email: 'vera.captcha@example.com', password: 'Quiet-River-58', phone: '+7 912 555-01-02' };

async function fillForm() {
  await page.goto(`${app.url}/#/register`);
  await byId('register-name').fill(user.name);
  await byId('register-email').fill(user.email);
  await byId('register-password').fill(user.password);
  await byId('register-password-confirm').fill(user.password);
  await byId('register-phone').fill(user.phone);
  await byId('register-terms').check();
  await byId('register-privacy').check();
}

test('the API refuses a sign-up without a solved captcha', async () => {
  const res = await fetch(`${app.url}/api/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ ...user, passwordConfirm: user.password, timeZone: 'Europe/Moscow', acceptTerms: true, acceptPrivacy: true }),
  });
  assert.equal(res.status, 400);
  const { error } = await res.json();
  assert.deepEqual(error.fields.map((f) => [f.field, f.code]), [['captcha', 'captcha_required']]);
});

test('a refused check shows by the submit button', async () => {
  await fillForm();
  // Spoil the solution on its way out, as a broken client would.
  await page.route('**/api/register', async (route) => {
    const body = JSON.parse(route.request().postData());
    body.captcha = body.captcha.replace(/:\d+$/, ':x');
    await route.continue({ postData: JSON.stringify(body) });
  });
  await byId('register-submit').click();
  const alert = byId('register-captcha-error');
  await alert.waitFor();
  assert.match(await alert.innerText(), /browser check failed/);
  await shot('captcha-01-refused');
  await page.unroute('**/api/register');
  assert.equal(mail.messages.length, 0, 'a refused sign-up sent mail');
});

test('sign-up solves the captcha in the page and creates the account', async () => {
  await fillForm();
  const sent = [];
  page.on('request', (r) => {
    if (r.url().endsWith('/api/register')) sent.push(JSON.parse(r.postData()));
  });
  await byId('register-submit').click();
  // At 18 bits the work takes a noticeable moment: the quiet state shows.
  await byId('register-checking').waitFor({ timeout: 5000 });
  await shot('captcha-02-checking');
  await page.waitForURL(/#\/verify-email/, { timeout: 60000 });
  await shot('captcha-03-registered');
  assert.equal(sent.length, 1);
  assert.match(sent[0].captcha, /^v1\.[\w-]+\.18\.\d+\.[\w-]+:\d+$/);
  // The account exists: its verification email arrives.
  const m = await mail.waitFor(user.email, 1);
  assert.match(m.text, /verify-email\?token=/);
  // Access log: one JSON line per request, with the client's address and
  // no body or query.
  const lines = app.log().split('\n').filter((l) => l.includes('"msg":"request"')).map((l) => JSON.parse(l));
  const reg = lines.filter((l) => l.path === '/api/register');
  assert.deepEqual(reg.map((l) => [l.method, l.status, l.ip]), [['POST', 400, '127.0.0.1'], ['POST', 400, '127.0.0.1'], ['POST', 200, '127.0.0.1']]);
  assert.ok(!app.log().includes(user.password), 'the log holds the password');
  assert.deepEqual(pageErrors, []);
});

test('/readyz says the server is ready', async () => {
  const res = await fetch(`${app.url}/readyz`);
  assert.equal(res.status, 200);
});
