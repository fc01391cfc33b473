// The account journey in a real browser against the real backend: sign up,
// verify the email by its link and the phone by its SMS code, sign out, sign
// in with "Remember me", restart the server, still signed in, recover the
// password and sign in with the new one. Screenshots go to e2e/artifacts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { artifacts, launchBrowser, linkIn, startGatehouse, startMail } from './harness.mjs';

let mail, app, browser, page, context;
const pageErrors = [];

before(async () => {
  mail = await startMail();
  app = await startGatehouse(mail);
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1180, height: 800 }, locale: 'en-US', timezoneId: 'Europe/Moscow' });
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

const user = { name: 'Anna Petrova', email: 'anna.e2e@example.com', password: 'Blue-Harbor-71', phone: '+7 912 345-67-89' };
const newPassword = 'Green-Valley-42';

async function signIn(password, remember) {
  await byId('signin-email').fill(user.email);
  await byId('signin-password').fill(password);
  if (remember) await byId('signin-remember').check();
  await byId('signin-submit').click();
}

test('sign-up refuses bad input at the field and writes nothing', async () => {
  await page.goto(app.url);
  await page.waitForURL(/#\/signin/);
  await byId('signin-email').waitFor();
  await shot('01-signin');
  await page.goto(`${app.url}/#/register`);
  await byId('register-name').fill(user.name);
  await byId('register-email').fill('anna@exаmple.com'); // a Cyrillic "а"
  await byId('register-password').fill('abc');
  // The policy's reasons show at the field as the user types.
  await page.getByText('Add an uppercase letter.').first().waitFor();
  await byId('register-password-confirm').fill('abd');
  await byId('register-phone').fill('12345');
  await byId('register-submit').click();
  await page.getByText(/mixes alphabets/).first().waitFor();
  await page.getByText(/valid phone number/).first().waitFor();
  await page.getByText(/do not match/).first().waitFor();
  await shot('02-register-errors');
  // The reasons follow the language, as the rest of the page does.
  await byId('language-select').selectOption('ru');
  await page.getByText('Пароли не совпадают.').first().waitFor();
  await byId('language-select').selectOption('en');
  await page.getByText(/do not match/).first().waitFor();
  // A reload keeps what was typed, but never the passwords.
  await page.reload();
  await byId('register-name').waitFor();
  assert.equal(await byId('register-name').inputValue(), user.name);
  assert.equal(await byId('register-phone').inputValue(), '12345');
  assert.equal(await byId('register-password').inputValue(), '');
  assert.equal(mail.messages.length, 0, 'a refused sign-up sent mail');
});

test('sign up and verify the email by its link', async () => {
  await byId('register-email').fill(user.email);
  await byId('register-password').fill(user.password);
  await byId('register-password-confirm').fill(user.password);
  await byId('register-phone').fill(user.phone);
  await byId('register-terms').check();
  await byId('register-privacy').check();
  await shot('03-register-filled');
  await byId('register-submit').click();
  await page.waitForURL(/#\/verify-email/);
  await byId('verify-code').waitFor();
  await shot('04-verify-email-sent');

  const m = await mail.waitFor(user.email, 1);
  assert.match(m.subject, /Confirm your email/);
  await page.goto(linkIn(m.text));
  await byId('verify-email-ok').waitFor();
  await shot('05-verify-email-ok');
});

test('verify the phone by the SMS code after the first sign-in', async () => {
  await page.goto(`${app.url}/#/signin`);
  await signIn(user.password, false);
  await page.waitForURL(/#\/verify-phone/);
  await byId('phone-send').click();
  await byId('phone-sent').waitFor();
  // A reload keeps the sent code's notice and the resend countdown.
  await page.reload();
  await byId('phone-sent').waitFor();
  assert.ok(Number(await byId('phone-send').getAttribute('data-seconds-left')) > 0, 'the resend countdown was lost on reload');
  const code = await app.lastSMSCode(10000, user.phone);
  // A wrong code is said under the code field, in words.
  const wrong = code === '000000' ? '111111' : '000000';
  await byId('phone-code').fill(wrong);
  await byId('phone-verify').click();
  await page.getByText('The code is wrong or has expired').waitFor();
  assert.equal(await byId('phone-code').getAttribute('aria-invalid'), 'true', 'the code field is not marked');
  assert.equal(await byId('phone-error').count(), 0, 'a wrong code also showed the general alert');
  // A code pasted with a space keeps all six digits.
  await byId('phone-code').fill(`${code.slice(0, 3)} ${code.slice(3)}`);
  assert.equal(await byId('phone-code').inputValue(), code);
  assert.notEqual(await byId('phone-code').getAttribute('aria-invalid'), 'true', 'the new code still shows as wrong');
  await shot('06-verify-phone');
  await byId('phone-verify').click();
  await byId('home-signout').waitFor();
  await page.getByText(user.email).first().waitFor();
  await shot('07-home');
  const session = (await context.cookies()).find((c) => c.name === 'gatehouse_session');
  assert.equal(session.expires, -1, 'without Remember me the session cookie must not outlive the browser');
});

test('on a phone-sized screen nothing is out of reach', async () => {
  const phone = await context.newPage();
  await phone.setViewportSize({ width: 390, height: 844 });
  await phone.goto(`${app.url}/#/`);
  await phone.getByTestId('nav-menu').click();
  const signOut = phone.getByTestId('home-signout');
  await signOut.waitFor();
  // The menu slides in: measure once it has stopped.
  let box = await signOut.boundingBox();
  for (let i = 0; i < 20 && !(box && box.x + box.width <= 390); i++) {
    await phone.waitForTimeout(100);
    box = await signOut.boundingBox();
  }
  assert.ok(box && box.x >= 0 && box.x + box.width <= 390, `sign out is at x=${box?.x}, outside a 390 px screen`);
  await phone.getByTestId('language-select').waitFor();
  const width = await phone.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `the page is ${width} px wide on a 390 px screen`);
  await phone.screenshot({ path: path.join(artifacts, '07-phone-menu.png') });
  await phone.close();
});

test('remember me keeps the session across a restart', async () => {
  await byId('home-signout').click();
  await page.waitForURL(/#\/signin/);
  await signIn(user.password, true);
  await byId('home-signout').waitFor();
  const session = (await context.cookies()).find((c) => c.name === 'gatehouse_session');
  assert.ok(session.expires > Date.now() / 1000 + 29 * 24 * 3600, 'remembered session should last 30 days');

  await app.restart();
  await page.reload();
  await byId('home-signout').waitFor();
  await page.getByText(user.email).first().waitFor();
  await shot('08-home-after-restart');
});

test('recover the password by the emailed link', async () => {
  await byId('home-signout').click();
  await page.waitForURL(/#\/signin/);
  await page.goto(`${app.url}/#/forgot`);
  await byId('forgot-email').fill(user.email);
  await byId('forgot-submit').click();
  await byId('forgot-done').waitFor();
  await shot('09-forgot-done');

  const m = await mail.waitFor(user.email, 2);
  assert.match(m.subject, /Reset your password/);
  await page.goto(linkIn(m.text));
  await byId('reset-password').fill(newPassword);
  await byId('reset-password-confirm').fill(newPassword);
  await shot('10-reset');
  await byId('reset-submit').click();
  await byId('reset-done').waitFor();

  // The link works once.
  await page.goto(linkIn(m.text));
  await byId('reset-password').fill('Other-Valley-43');
  await byId('reset-password-confirm').fill('Other-Valley-43');
  await byId('reset-submit').click();
  await byId('reset-error').waitFor();
  await shot('11-reset-link-used');

  await page.goto(`${app.url}/#/signin`);
  await signIn(user.password, false);
  await byId('signin-error').waitFor();
  await shot('12-signin-old-password');
  await byId('signin-password').fill(newPassword);
  await byId('signin-submit').click();
  await byId('home-signout').waitFor();
});

test('no page errors', () => {
  assert.deepEqual(pageErrors, []);
});
