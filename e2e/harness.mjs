// Real parts for browser tests: an SMTP server (smtp-server) and the
// gatehouse binary in serve mode, both on 127.0.0.1, and Debian's Chromium.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const artifacts = path.join(here, 'artifacts');
mkdirSync(artifacts, { recursive: true });

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function startMail() {
  const messages = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, cb) {
      simpleParser(stream)
        .then((m) => {
          messages.push({ to: session.envelope.rcptTo.map((r) => r.address), subject: m.subject, text: m.text });
          cb();
        })
        .catch(cb);
    },
  });
  const port = await freePort();
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return {
    addr: `127.0.0.1:${port}`,
    messages,
    // waitFor returns the n-th (from 1) message to `to`.
    async waitFor(to, n = 1, timeoutMs = 10000) {
      const end = Date.now() + timeoutMs;
      while (Date.now() < end) {
        const mine = messages.filter((m) => m.to.includes(to));
        if (mine.length >= n) return mine[n - 1];
        await sleep(50);
      }
      throw new Error(`no email #${n} to ${to}; have ${JSON.stringify(messages.map((m) => [m.to, m.subject]))}`);
    },
    close: () => new Promise((r) => server.close(r)),
  };
}

export function linkIn(text) {
  const m = /https?:\/\/\S+/.exec(text);
  if (!m) throw new Error(`no link in ${text}`);
  return m[0];
}

// startGatehouse runs `gatehouse serve` on a data folder; restart() stops
// it and starts it again on the same folder and port.
export async function startGatehouse(mail) {
  const bin = process.env.GATEHOUSE_BIN ?? path.join(here, '..', 'build', 'bin', 'gatehouse-serve');
  if (!existsSync(bin)) throw new Error(`no gatehouse binary at ${bin}: build it with go build -o build/bin/gatehouse-serve .`);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'gatehouse-e2e-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const smsFile = path.join(dataDir, 'sms.jsonl');
  let proc;
  let log = '';
  const start = async () => {
    proc = spawn(bin, ['serve', '-addr', `127.0.0.1:${port}`, '-data-dir', dataDir, '-smtp-addr', mail.addr,
      '-smtp-security', 'none', '-sms-file', smsFile, '-link-base', `${url}/#`], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout.on('data', (d) => (log += d));
    proc.stderr.on('data', (d) => (log += d));
    const end = Date.now() + 15000;
    while (Date.now() < end) {
      try {
        if ((await fetch(`${url}/healthz`)).ok) return;
      } catch {
        /* not up yet */
      }
      await sleep(100);
    }
    throw new Error(`gatehouse serve did not start:\n${log}`);
  };
  const stop = () =>
    new Promise((r) => {
      if (!proc || proc.exitCode !== null) return r();
      proc.once('exit', r);
      proc.kill('SIGTERM');
    });
  await start();
  return {
    url,
    dataDir,
    log: () => log,
    restart: async () => {
      await stop();
      await start();
    },
    stop,
    // lastSMSCode reads the newest code from the SMS gateway's file.
    async lastSMSCode(timeoutMs = 10000) {
      const end = Date.now() + timeoutMs;
      while (Date.now() < end) {
        if (existsSync(smsFile)) {
          const codes = [...readFileSync(smsFile, 'utf8').matchAll(/code: (\d{6})/g)];
          if (codes.length) return codes[codes.length - 1][1];
        }
        await sleep(50);
      }
      throw new Error('no SMS code arrived');
    },
  };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

// apiRegister signs someone up through the HTTP API (for people a test
// needs to exist but does not look at, such as the installation's admin).
export async function apiRegister(app, user) {
  const res = await fetch(`${app.url}/api/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ ...user, passwordConfirm: user.password, timeZone: 'Europe/Moscow', acceptTerms: true, acceptPrivacy: true }),
  });
  if (!res.ok) throw new Error(`register ${user.email}: ${res.status} ${await res.text()}`);
}

// uiSignUp registers through the form, follows the emailed link, signs in
// and verifies the phone by its SMS code: the page ends signed in.
// nth is which email to that address carries the verification link.
export async function uiSignUp(page, app, mail, user, nth = 1) {
  const byId = (id) => page.getByTestId(id);
  await page.goto(`${app.url}/#/register`);
  await byId('register-name').fill(user.name);
  await byId('register-email').fill(user.email);
  await byId('register-password').fill(user.password);
  await byId('register-password-confirm').fill(user.password);
  await byId('register-phone').fill(user.phone);
  await byId('register-terms').check();
  await byId('register-privacy').check();
  await byId('register-submit').click();
  await page.waitForURL(/#\/verify-email/);
  const m = await mail.waitFor(user.email, nth);
  await page.goto(linkIn(m.text));
  await byId('verify-email-ok').waitFor();
  await uiSignIn(page, app, user);
  await page.waitForURL(/#\/verify-phone/);
  await byId('phone-send').click();
  await byId('phone-code').fill(await app.lastSMSCode());
  await byId('phone-verify').click();
}

export async function uiSignIn(page, app, user, remember = false) {
  const byId = (id) => page.getByTestId(id);
  await page.goto(`${app.url}/#/signin`);
  await byId('signin-email').fill(user.email);
  await byId('signin-password').fill(user.password);
  if (remember) await byId('signin-remember').check();
  await byId('signin-submit').click();
}
