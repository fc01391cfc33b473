// Sync administration on the server's web page: a field agent's desktop
// registers through the sync API, the admin sees it in the Desktops list,
// revokes it, and the desktop's token stops working at once; the
// Conflicts page shows its empty state. Screenshots go to e2e/artifacts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { apiRegister, artifacts, launchBrowser, linkIn, startGatehouse, startMail, uiSignUp } from './harness.mjs';

let mail, app, browser, page;
const pageErrors = [];

before(async () => {
  mail = await startMail();
  app = await startGatehouse(mail);
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-US', timezoneId: 'Europe/Moscow' });
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

const admin = { name: 'Irina Admin', email: 'sync.admin@gatehouse.test', password: 'Quiet-Lantern-91', phone: '+7 912 345-67-89' };
const agent = { name: 'Pavel Agent', email: 'sync.agent@gatehouse.test', password: 'Amber-Field-37', phone: '+7 916 000-00-02' };
const desktopName = 'Field laptop 7';

const post = (p, body, headers = {}) =>
  fetch(`${app.url}${p}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });

let device;

test('the admin signs up; an agent verifies their email and registers a desktop', async () => {
  await uiSignUp(page, app, mail, admin); // the first user administers the installation
  await byId('home-signout').waitFor();

  await apiRegister(app, agent);
  // A desktop may only connect once its user's email is verified.
  const token = new URL(linkIn((await mail.waitFor(agent.email)).text).replace('/#/', '/')).searchParams.get('token');
  assert.ok(token, 'no token in the verification link');
  const verified = await post('/api/verifyEmail', { token });
  assert.equal(verified.status, 200, await verified.text());

  const res = await post('/sync/devices', { email: agent.email, password: agent.password, name: desktopName });
  assert.equal(res.status, 200, await res.clone().text());
  device = await res.json();
  assert.ok(device.deviceId && device.token);
  assert.equal(device.user.email, agent.email);

  // The token works before it is revoked.
  const push = await post('/sync/push', { changes: [] }, { Authorization: `Bearer ${device.token}` });
  assert.equal(push.status, 200, await push.text());
});

test('the admin sees the desktop and revokes it; its token stops working', async () => {
  await byId('nav-home').click();
  await byId('home-sync').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(artifacts, 'sync-00-home.png') }); // the viewport: the header is fixed
  await byId('home-sync-devices').click();
  await page.waitForURL(/#\/sync\/devices$/);
  const row = page.locator(`[data-testid="sync-device"][data-id="${device.deviceId}"]`);
  await row.waitFor();
  assert.equal(await row.getByTestId('sync-device-name').textContent(), desktopName);
  assert.match(await row.textContent(), new RegExp(agent.name));
  assert.match(await row.textContent(), new RegExp(agent.email.replace(/\./g, '\\.')));
  assert.equal(await row.getByTestId('sync-device-status').getAttribute('data-status'), 'active');
  await shot('sync-01-devices');

  await row.getByTestId('sync-device-revoke').click();
  await byId('sync-device-revoke-confirm').waitFor();
  await page.waitForTimeout(300); // the modal's fade-in
  await shot('sync-02-revoke-confirm');
  await byId('sync-device-revoke-confirm').click();
  await page.locator(`[data-testid="sync-device"][data-id="${device.deviceId}"][data-revoked="true"]`).waitFor();
  assert.equal(await row.getByTestId('sync-device-status').getAttribute('data-status'), 'revoked');
  assert.equal(await row.getByTestId('sync-device-revoke').count(), 0, 'a revoked desktop still offers Revoke');
  await shot('sync-03-revoked');

  const push = await post('/sync/push', { changes: [] }, { Authorization: `Bearer ${device.token}` });
  assert.equal(push.status, 401, await push.text());
});

test('the Conflicts page shows its empty state', async () => {
  await byId('nav-home').click();
  await byId('home-sync-conflicts').click();
  await page.waitForURL(/#\/sync\/conflicts$/);
  await byId('sync-conflicts-empty').waitFor();
  assert.equal(await byId('sync-conflicts-empty').textContent(), 'No conflicts to review.');
  await page.getByText('Show resolved').click(); // Mantine's switch hides its input under the track
  await page.getByText('There have been no sync conflicts.').waitFor();
  await shot('sync-04-conflicts-empty');
});

test('the devices API refuses a visitor without a session, and the web has no desktop connect screen', async () => {
  await page.goto(`${app.url}/#/sync/connect`);
  await page.waitForURL(/#\/$/);
  // The backend refuses non-admins whatever the UI shows.
  const res = await post('/api/devices', {});
  assert.equal(res.status, 401);
  assert.deepEqual(pageErrors, []);
});
