// Account details and the company window, in a real browser against the
// real backend: first sign-in -> account details -> the company window
// reopens at every sign-in until complete -> register an employee -> the
// employee accepts the invitation and signs in. Screenshots in e2e/artifacts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { apiRegister, artifacts, launchBrowser, linkIn, startGatehouse, startMail, uiSignIn, uiSignUp } from './harness.mjs';

let mail, app, browser, page;
const pageErrors = [];

before(async () => {
  mail = await startMail();
  app = await startGatehouse(mail);
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'Europe/Moscow' });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  // The first user administers the installation; the customer comes second.
  await apiRegister(app, { name: 'Root Admin', email: 'root@gatehouse.test', password: 'Quiet-Lantern-91', phone: '+79160000001' });
});

after(async () => {
  await browser?.close();
  await app?.stop();
  await mail?.close();
});

const shot = (name) => page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
const byId = (id) => page.getByTestId(id);
const owner = { name: 'Irina Smirnova', email: 'irina@romashka.example', password: 'Blue-Harbor-71', phone: '+7 912 345-67-89' };
const employee = { name: 'Oleg Ivanov', email: 'oleg@romashka.example', password: 'Winter-Road-58', phone: '+7 916 123-45-67' };

async function signOut() {
  await page.getByRole('button', { name: /sign out/i }).first().click();
  await page.waitForURL(/#\/signin/);
}

test('the first sign-in asks for the account details first', async () => {
  await uiSignUp(page, app, mail, owner);
  await page.waitForURL(/#\/account-details/);
  await byId('acct-type-company').click();
  await byId('acct-create').click();
  await byId('acct-first-name').locator('xpath=ancestor::*[contains(@class,"mantine-InputWrapper-root")][1]').getByText(/required/i).waitFor();
  await shot('20-account-details-errors');
  await byId('acct-first-name').fill('Irina');
  await byId('acct-last-name').fill('Smirnova');
  await byId('acct-company-name').fill('ООО «Ромашка»');
  await byId('acct-sector').fill('Tele');
  await page.getByRole('option', { name: /Telecommunications/ }).click();
  await byId('acct-phone').fill(owner.phone); // already verified at sign-up
  await shot('21-account-details');
  await byId('acct-create').click();
  await byId('company-modal').waitFor();
});

test('a half-filled company profile saves as a draft and the window reopens', async () => {
  await byId('company-req-inn').fill('7707083894'); // wrong check digit
  await byId('company-save').click();
  await page.getByText(/check digit/).first().waitFor();
  await shot('22-company-invalid-inn');
  await byId('company-req-inn').fill('7707083893');
  await byId('company-save').click();
  await byId('company-missing').waitFor();
  await shot('23-company-draft');
  // Escape with unsaved typing asks first, and keeping them keeps them.
  await byId('company-req-bankName').fill('Unsaved Bank');
  await page.keyboard.press('Escape');
  await byId('company-discard-keep').click();
  assert.equal(await byId('company-req-bankName').inputValue(), 'Unsaved Bank');
  await byId('company-close').click();
  await byId('company-discard-confirm').click();
  await byId('company-modal').waitFor({ state: 'hidden' });

  await signOut();
  await uiSignIn(page, app, owner);
  await byId('company-modal').waitFor(); // incomplete: it opens again
  assert.equal(await byId('company-req-inn').inputValue(), '7707083893', 'the draft was lost');
});

test('the complete profile closes the window for good', async () => {
  const fill = async (id, v) => byId(id).fill(v);
  await fill('company-email', 'office@romashka.example');
  await fill('company-max-dialogs', '250');
  await fill('company-req-kpp', '773601001');
  await fill('company-req-ogrn', '1027700132195');
  await fill('company-req-bik', '044525225');
  await fill('company-req-corrAccount', '30101810400000000225');
  await fill('company-req-settlementAccount', '40702810938000000001');
  await fill('company-req-bankName', 'ПАО Сбербанк');
  await fill('company-legal-postcode', '117312');
  await fill('company-legal-city', 'Москва');
  await fill('company-legal-line1', 'ул. Вавилова, 19');
  await shot('24-company-filled');
  await byId('company-save').click();
  await byId('company-modal').waitFor({ state: 'detached', timeout: 5000 }).catch(async (e) => {
    await shot('24b-company-not-closed');
    throw e;
  });
  await shot('25-home-complete');

  await signOut();
  await uiSignIn(page, app, owner);
  await byId('home-company-progress').waitFor();
  await page.waitForTimeout(500);
  assert.equal(await byId('company-modal').count(), 0, 'a complete profile must not reopen the window');
});

test('register an employee, who accepts the invitation and signs in', async () => {
  await byId('company-open').or(byId('home-company-open')).first().click();
  await byId('company-modal').waitFor();
  await byId('emp-register').click();
  await byId('emp-name').fill(employee.name);
  await byId('emp-email').fill(owner.email); // taken
  await byId('emp-phone').fill(employee.phone);
  await byId('emp-submit').click();
  await page.getByText(/already exists/).first().waitFor();
  await byId('emp-email').fill(employee.email);
  await byId('emp-submit').click();
  await byId(`emp-status-${employee.email}`).waitFor();
  assert.equal(await byId(`emp-status-${employee.email}`).getAttribute('data-status'), 'invited');
  await shot('26-employee-invited');
  await byId('company-close').click();
  await signOut();

  const m = await mail.waitFor(employee.email, 1);
  await page.goto(linkIn(m.text));
  await byId('invite-password').fill(employee.password);
  await byId('invite-password-confirm').fill(employee.password);
  await byId('invite-submit').click();
  await byId('invite-done').waitFor();
  await shot('27-invite-accepted');

  await uiSignIn(page, app, employee);
  await page.waitForURL(/#\/verify-phone/);
  await byId('phone-send').click();
  await byId('phone-code').fill(await app.lastSMSCode(10000, employee.phone));
  await byId('phone-verify').click();
  await byId('home-account').waitFor();
  await page.getByText(/Ромашка/).first().waitFor();
  await shot('28-employee-home');
});

test('no page errors', () => {
  assert.deepEqual(pageErrors, []);
});
