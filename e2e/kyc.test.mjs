// KYC in a real browser against the real backend: a customer chooses an
// entity type, uploads files (picker and drag and drop), and submits; a
// reviewer rejects one document with a reason; the customer replaces it and
// submits again; the reviewer approves; the dashboard counts it and its
// report downloads. Screenshots in e2e/artifacts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { artifacts, launchBrowser, startGatehouse, startMail, uiSignUp } from './harness.mjs';

let mail, app, browser, admin, customer;
const pageErrors = [];
const files = mkdtempSync(path.join(tmpdir(), 'kyc-files-'));

// A 1x1 PNG; bytes appended after IEND keep it a PNG with another hash.
const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
// A one-page PDF with a black bar on it, so its thumbnail has ink to find.
const pdf = (() => {
  const ink = '0 0 0 rg 20 60 160 40 re f';
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 160] /Contents 4 0 R >>',
    `<< /Length ${ink.length} >>\nstream\n${ink}\nendstream`,
  ];
  let out = '%PDF-1.4\n';
  const offsets = objs.map((o, i) => {
    const at = out.length;
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
    return at;
  });
  const xref = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out);
})();

// inkIn counts the dark pixels of a canvas: a drawn PDF page has some.
const inkIn = (canvas) =>
  canvas.evaluate((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && d[i] < 64 && d[i + 1] < 64 && d[i + 2] < 64) n++;
    return n;
  });
const file = (name, bytes) => {
  const p = path.join(files, name);
  writeFileSync(p, bytes);
  return p;
};

const adminUser = { name: 'Irina Admin', email: 'admin@gatehouse.test', password: 'Quiet-Lantern-91', phone: '+7 912 345-67-89' };
const custUser = { name: 'Priya Sharma', email: 'priya@example.in', password: 'Green-Valley-42', phone: '+91 81234 56789' };

async function newPage() {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'Asia/Kolkata' });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  return page;
}
const byId = (page, id) => page.getByTestId(id);
const shot = (page, name) => page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
async function choose(page, testid, label) {
  await byId(page, testid).click();
  await page.getByRole('option', { name: label, exact: true }).click();
}

before(async () => {
  mail = await startMail();
  app = await startGatehouse(mail);
  browser = await launchBrowser();
  admin = await newPage();
  customer = await newPage();
});

after(async () => {
  await browser?.close();
  await app?.stop();
  await mail?.close();
});

test('the customer uploads the documents of the entity type and submits', async () => {
  await uiSignUp(admin, app, mail, adminUser); // the first user administers the installation
  await byId(admin, 'home-signout').waitFor();
  await uiSignUp(customer, app, mail, custUser);
  const C = customer;
  await C.waitForURL(/#\/account-details/);
  await byId(C, 'acct-type-individual').click();
  await byId(C, 'acct-first-name').fill('Priya');
  await byId(C, 'acct-last-name').fill('Sharma');
  await byId(C, 'acct-phone').fill(custUser.phone);
  await choose(C, 'acct-sector', 'IT and software');
  await byId(C, 'acct-create').click();
  await byId(C, 'home-kyc').waitFor();
  await C.keyboard.press('Escape'); // the company window opens too: not this test's business
  await byId(C, 'home-kyc').click();
  // The customer's phone is Indian and the company form is untouched: the
  // case starts in India, not in the installation's region.
  await C.waitForFunction(() => document.querySelector('[data-testid="kyc-country"]')?.value === 'India');
  await choose(C, 'kyc-entity-type', 'Individual');
  await byId(C, 'kyc-req-pan').waitFor();
  assert.equal(await byId(C, 'kyc-req-name-address_proof').innerText(), 'Address proof');

  // A file whose content is not what its name says is refused.
  await byId(C, 'kyc-file-pan').setInputFiles(file('pan.pdf', png));
  await byId(C, 'kyc-upload-error').waitFor();
  assert.match(await byId(C, 'kyc-upload-error').innerText(), /pan\.pdf/);
  await byId(C, 'kyc-req-pan').screenshot({ path: path.join(artifacts, '30-kyc-lying-file.png') });

  await byId(C, 'kyc-file-pan').setInputFiles(file('pan.png', png));
  await byId(C, 'kyc-req-pan').locator('[data-status="pending"]').first().waitFor();
  await choose(C, 'kyc-kind-address_proof', 'Aadhaar card');
  await byId(C, 'kyc-file-address_proof').setInputFiles(file('aadhaar.png', Buffer.concat([png, Buffer.from('blurred')])));
  await byId(C, 'kyc-req-address_proof').locator('[data-testid^="kyc-doc-"][data-kind="aadhaar"]').waitFor();
  assert.equal(await byId(C, 'kyc-submit').isDisabled(), true, 'submit must wait for every mandatory document');

  // Drag and drop a PDF.
  const dt = await C.evaluateHandle((b64) => {
    const bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
    const d = new DataTransfer();
    d.items.add(new File([bytes], 'letter.pdf', { type: 'application/pdf' }));
    return d;
  }, pdf.toString('base64'));
  for (const ev of ['dragenter', 'dragover', 'drop']) await byId(C, 'kyc-drop-letter_of_authority').dispatchEvent(ev, { dataTransfer: dt });
  await byId(C, 'kyc-req-letter_of_authority').locator('[data-testid^="kyc-doc-"][data-kind="letter_of_authority"]').waitFor();
  const thumb = byId(C, 'kyc-req-letter_of_authority').locator('[data-testid^="kyc-thumb-"] canvas[data-rendered="true"]');
  await thumb.waitFor();
  assert.ok((await inkIn(thumb)) > 0, 'the PDF thumbnail shows the first page');
  await byId(C, 'kyc-req-letter_of_authority').screenshot({ path: path.join(artifacts, '30-kyc-pdf-thumbnail.png') });
  await byId(C, 'kyc-complete').waitFor();
  await shot(C, '31-kyc-complete');
  await byId(C, 'kyc-submit').click();
  await byId(C, 'kyc-submitted').waitFor();
  assert.equal(await byId(C, 'kyc-state').getAttribute('data-state'), 'submitted');
});

let kinds = {};
test('the reviewer rejects one document with a reason', async () => {
  const A = admin;
  await A.reload();
  await byId(A, 'nav-kyc-queue').click();
  const row = A.locator('[data-testid^="kyc-queue-row-"]').first();
  await row.waitFor();
  await shot(A, '32-kyc-queue');
  await row.click();
  await byId(A, 'kyc-start-review').click();
  await A.waitForSelector('[data-testid="kyc-state"][data-state="in_review"]');
  for (const id of await A.locator('[data-testid^="kyc-doc-status-"]').evaluateAll((els) => els.map((e) => e.dataset.testid.slice('kyc-doc-status-'.length)))) {
    kinds[await byId(A, `kyc-doc-${id}`).getAttribute('data-kind')] = id;
  }
  // The letter's first page is drawn large; a click opens the whole PDF.
  const page = A.locator(`[data-testid^="kyc-view-${kinds.letter_of_authority}-"][data-testid$="-page"]`);
  const sheet = page.locator('canvas[data-rendered="true"]');
  await sheet.waitFor();
  assert.ok((await inkIn(sheet)) > 0, 'the reviewer sees the first page of the PDF');
  await page.click();
  const whole = A.locator('[data-testid="kyc-preview"] iframe'); // the modal's root has no box of its own
  await whole.waitFor();
  await A.keyboard.press('Escape');
  await whole.waitFor({ state: 'detached' });
  await byId(A, `kyc-approve-${kinds.pan_card}`).click();
  await byId(A, `kyc-reject-${kinds.aadhaar}`).click();
  await byId(A, `kyc-approve-${kinds.letter_of_authority}`).click();
  await byId(A, 'kyc-decide').click();
  await A.getByText('This field is required.').first().waitFor(); // a rejection needs a reason
  await byId(A, `kyc-reason-${kinds.aadhaar}`).fill('The photo is blurred: the number cannot be read.');
  await shot(A, '33-kyc-review');
  await byId(A, 'kyc-decide').click();
  await A.waitForSelector('[data-testid="kyc-state"][data-state="changes_requested"]');
});

test('the customer replaces only the rejected document and submits again', async () => {
  const C = customer;
  await C.reload();
  await byId(C, 'kyc-changes-requested').waitFor();
  assert.match(await byId(C, `kyc-doc-reason-${kinds.aadhaar}`).innerText(), /blurred/);
  // The history names the document and why it was rejected.
  assert.match(await C.locator('[data-action="document_rejected"]').innerText(), /Rejected: Aadhaar card — The photo is blurred/);
  assert.equal(await byId(C, `kyc-remove-${kinds.pan_card}`).count(), 0, 'an approved document stays');
  await shot(C, '34-kyc-changes-requested');
  await byId(C, 'kyc-file-address_proof').setInputFiles([
    file('aadhaar-front.png', Buffer.concat([png, Buffer.from('front')])),
    file('aadhaar-back.png', Buffer.concat([png, Buffer.from('back')])),
  ]);
  await C.waitForFunction((id) => !document.querySelector(`[data-testid="kyc-doc-${id}"]`), kinds.aadhaar);
  await byId(C, 'kyc-submit').click();
  await byId(C, 'kyc-submitted').waitFor();
});

test('the reviewer approves and the customer sees it', async () => {
  const A = admin;
  await A.reload();
  await byId(A, 'kyc-start-review').click();
  await A.waitForSelector('[data-testid="kyc-state"][data-state="in_review"]');
  const id = (await A.locator('[data-testid^="kyc-doc-"][data-kind="aadhaar"]').getAttribute('data-testid')).slice('kyc-doc-'.length);
  await byId(A, `kyc-approve-${id}`).click();
  await byId(A, 'kyc-decide').click();
  await A.waitForSelector('[data-testid="kyc-state"][data-state="approved"]');
  await customer.reload();
  await byId(customer, 'kyc-approved').waitFor();
  await shot(customer, '35-kyc-approved');
});

test('the dashboard counts the customer’s own sign-up and approval on the self sign-up row', async () => {
  const A = admin;
  await A.goto(`${app.url}/#/dashboard`);
  const row = byId(A, 'dash-agent-self');
  await row.waitFor();
  assert.match(await row.innerText(), /Self sign-up/);
  const metric = (m) => row.locator(`[data-metric="${m}"]`).getAttribute('data-value');
  assert.equal(await metric('signUps'), '1', 'the admin signed up first: only the customer counts as a sign-up');
  assert.equal(await metric('kycApproved'), '1');
  assert.equal(await byId(A, 'dash-agent-office').count(), 0, 'nothing the back office opened happened this month');
  await shot(A, '36-dashboard');
});

test('the report downloads under the server’s name; with the session ended elsewhere, the click leads to sign-in', async () => {
  const A = admin;
  const [download] = await Promise.all([A.waitForEvent('download'), byId(A, 'dash-pdf').click()]);
  assert.match(download.suggestedFilename(), /^report-\d{4}-\d{2}\.pdf$/);
  const head = readFileSync(await download.path()).subarray(0, 5).toString();
  assert.equal(head, '%PDF-');
  // Another tab signs out: the server ends the session this page still shows.
  const other = await A.context().newPage();
  await other.goto(app.url);
  const status = await other.evaluate(async () => (await fetch('/api/signOut', { method: 'POST', credentials: 'same-origin' })).status);
  assert.ok(status < 300, `sign-out answered ${status}`);
  await other.close();
  let downloaded = false;
  A.once('download', () => (downloaded = true));
  await byId(A, 'dash-xlsx').click();
  await A.waitForURL(/#\/signin/);
  assert.equal(downloaded, false, 'the refused export still downloaded a file');
});

test('no page errors', () => {
  assert.deepEqual(pageErrors, []);
});
