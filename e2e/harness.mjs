// Real parts for browser tests: an SMTP server (smtp-server) and the
// gatehouse binary in serve mode, both on 127.0.0.1, and Debian's Chromium.
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
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

// postgresDatabase makes a schema of its own in the PostgreSQL database
// GATEHOUSE_E2E_POSTGRES names (psql, from Debian's postgresql) and returns
// serve's -database URL for it; "" when the variable is not set.
function postgresDatabase() {
  const base = process.env.GATEHOUSE_E2E_POSTGRES;
  if (!base) return '';
  const schema = `e2e_${randomBytes(6).toString('hex')}`;
  execFileSync('psql', [base, '-qc', `CREATE SCHEMA ${schema}`]);
  const u = new URL(base);
  u.searchParams.set('search_path', schema);
  return u.toString();
}

// startGatehouse runs `gatehouse serve` on a data folder; restart() stops
// it and starts it again on the same folder and port. The sign-up captcha
// is on, at a low difficulty (opts.captchaDifficulty) so tests stay fast,
// and the per-address limit is high: every test's browser is 127.0.0.1.
// With GATEHOUSE_E2E_POSTGRES set, its database is on PostgreSQL (database
// says which URL; "" for SQLite in the data folder).
export async function startGatehouse(mail, opts = {}) {
  const bin = process.env.GATEHOUSE_BIN ?? path.join(here, '..', 'build', 'bin', 'gatehouse-serve');
  if (!existsSync(bin)) throw new Error(`no gatehouse binary at ${bin}: build it with go build -o build/bin/gatehouse-serve .`);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'gatehouse-e2e-'));
  const database = postgresDatabase();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const smsFile = path.join(dataDir, 'sms.jsonl');
  let proc;
  let log = '';
  const start = async () => {
    proc = spawn(bin, ['serve', '-addr', `127.0.0.1:${port}`, '-data-dir', dataDir, '-smtp-addr', mail.addr,
      '-smtp-security', 'none', '-sms-file', smsFile, '-link-base', `${url}/#`,
      '-captcha-difficulty', String(opts.captchaDifficulty ?? 8), '-ip-rate', '100000', '-ip-burst', '100000',
      ...(database ? ['-database', database] : [])],
      { stdio: ['ignore', 'pipe', 'pipe'] });
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
    database,
    log: () => log,
    restart: async () => {
      await stop();
      await start();
    },
    stop,
    // lastSMSCode reads the newest code from the SMS gateway's file; with a
    // phone number, the newest sent to that number (so a test never reads
    // an older code to someone else while the new one is on its way).
    async lastSMSCode(timeoutMs = 10000, phone = '') {
      const digits = (s) => s.replace(/\D/g, '').slice(-10);
      const end = Date.now() + timeoutMs;
      while (Date.now() < end) {
        if (existsSync(smsFile)) {
          const records = readFileSync(smsFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
            .filter((r) => !phone || digits(r.to) === digits(phone));
          const codes = records.flatMap((r) => [...r.text.matchAll(/code: (\d{6})/g)]);
          if (codes.length) return codes[codes.length - 1][1];
        }
        await sleep(50);
      }
      throw new Error(`no SMS code arrived${phone ? ' for ' + phone : ''}`);
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

// solveCaptcha fetches a sign-up challenge and solves it as the browser
// does: a counter whose SHA-256(token + ":" + counter) has enough leading
// zero bits.
export async function solveCaptcha(app) {
  const res = await fetch(`${app.url}/api/captcha`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
  if (!res.ok) throw new Error(`captcha: ${res.status} ${await res.text()}`);
  const { kind, token, difficulty } = await res.json();
  if (kind === 'none') return '';
  for (let i = 0; ; i++) {
    const hash = createHash('sha256').update(`${token}:${i}`).digest();
    let zeros = 0;
    for (const b of hash) {
      zeros += b === 0 ? 8 : Math.clz32(b) - 24;
      if (b !== 0) break;
    }
    if (zeros >= difficulty) return `${token}:${i}`;
  }
}

// apiRegister signs someone up through the HTTP API (for people a test
// needs to exist but does not look at, such as the installation's admin).
export async function apiRegister(app, user) {
  const res = await fetch(`${app.url}/api/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ ...user, passwordConfirm: user.password, timeZone: 'Europe/Moscow', acceptTerms: true, acceptPrivacy: true,
      captcha: await solveCaptcha(app) }),
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
  await byId('phone-code').fill(await app.lastSMSCode(10000, user.phone));
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
