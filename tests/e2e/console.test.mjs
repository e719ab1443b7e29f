// End-to-end test of the staff console (docs/CONSOLE.md), in headless Debian
// Chromium driven by playwright-core (no downloaded browser).
//
//   HOTLINE_BIN=build/hotline node --test tests/e2e/console.test.mjs
//   (or: node tests/e2e/console.test.mjs)
//
// A report filed through the public form is triaged by a case worker who
// logs in with a TOTP code computed here, classifies it, opens a case and
// refers it to the police; an auditor then finds all of it in the audit log.
//
// Environment: HOTLINE_BIN (default <repo>/build/hotline), CHROMIUM
// (default /usr/bin/chromium). Screenshots go to tests/e2e/artifacts/.
// Only benign, synthetic data on example.org is used.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import * as h from './helpers.mjs';

const { ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, base32Decode, totp, nextCode, submitForm, shot } = h;

const NUMBER_RE = /^\d{3}-\d{3}-\d{3}$/;
const BENIGN_URL = 'https://example.org/e2e-console-page';
const NEW_PASSWORD = 'e2e-console-passphrase-2024';

let srv;             // helpers.startServer: proc, dataDir, publicURL, consoleURL
let publicURL;       // e.g. http://127.0.0.1:41234
let consoleURL;
let browser;

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  srv = await h.startServer('console');
  ({ publicURL, consoleURL } = srv);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});

after(async () => {
  if (browser) await browser.close();
  await h.stopServer(srv);
});

// ---- accounts and TOTP ----------------------------------------------------

const addUser = (name, role) => h.addUser(srv, name, role);

// RFC 6238 appendix B test vector (SHA-1, T = 59 s): guards the helper itself.
test('TOTP helper matches the RFC 6238 test vector', () => {
  const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'; // "12345678901234567890"
  assert.equal(base32Decode(secret).toString(), '12345678901234567890');
  assert.equal(totp(secret, Math.floor(59 / 30)), '287082');
  assert.equal(totp(secret, Math.floor(1111111109 / 30)), '081804');
});

// ---- browser helpers --------------------------------------------------------

const newContext = () => h.newContext(browser, srv);

// Log in at /login, get sent to /account/password, choose a password, and
// land on the role's first page.
async function loginFirstTime(page, acct, firstPage) {
  const res = await page.goto(`${consoleURL}/login`);
  assert.equal(res.status(), 200, 'GET /login');
  const form = page.locator('form[action="/login"]');
  await form.locator('[name="name"]').fill(acct.name);
  await form.locator('[name="password"]').fill(acct.password);
  await form.locator('[name="code"]').fill(nextCode(acct));
  const posted = await submitForm(page, form, (p) => p !== '/login');
  assert.equal(posted.status(), 303, `POST /login as ${acct.name} answers 303`);
  assert.equal(new URL(page.url()).pathname, '/account/password',
    `${acct.name} is sent to /account/password while the one-time password stands`);
  assert.equal(await page.locator('#login-error').count(), 0, 'no #login-error');

  const pw = page.locator('form[action="/account/password"]');
  await pw.locator('[name="password"]').fill(NEW_PASSWORD);
  await pw.locator('[name="confirm"]').fill(NEW_PASSWORD);
  const changed = await submitForm(page, pw, (p) => p !== '/account/password');
  assert.equal(changed.status(), 303, 'POST /account/password answers 303');
  assert.equal(new URL(page.url()).pathname, firstPage, `${acct.name} lands on ${firstPage}`);
}

// The console cookie: hl_session, HttpOnly, SameSite=Strict, not Secure
// (plain HTTP here).
async function assertSessionCookie(context) {
  const cookies = await context.cookies(consoleURL);
  const session = cookies.find((c) => c.name === 'hl_session');
  assert.ok(session, `hl_session cookie set (cookies: ${cookies.map((c) => c.name).join(', ')})`);
  assert.equal(session.httpOnly, true, 'hl_session is HttpOnly');
  assert.equal(session.sameSite, 'Strict', 'hl_session is SameSite=Strict');
  assert.equal(session.path, '/', 'hl_session Path=/');
  assert.equal(session.secure, false, 'hl_session not Secure over plain HTTP');
  assert.deepEqual(cookies.filter((c) => c.name !== 'hl_session').map((c) => c.name), [],
    'no other cookie');
}

function today() {
  const d = new Date();
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

// ---- the test ---------------------------------------------------------------

test('case worker triages, classifies, opens a case and refers it; the auditor sees it all',
  { timeout: 120000 }, async () => {
    const cw = await addUser('cw', 'case_worker');
    const aud = await addUser('aud', 'auditor');

    const { context, page, foreign } = await newContext();
    try {
      // 1. A report through the public form.
      const form0 = await page.goto(`${publicURL}/report?kind=abuse_material`);
      assert.equal(form0.status(), 200, 'GET /report?kind=abuse_material');
      const reportForm = page.locator('form', { has: page.locator('textarea[name="urls"]') }).first();
      await reportForm.locator('textarea[name="urls"]').fill(BENIGN_URL);
      const filed = await submitForm(page, reportForm);
      assert.equal(filed.status(), 200, 'POST /report answers 200 with the receipt');
      const number = (await page.locator('#receipt-number').innerText()).trim();
      assert.match(number, NUMBER_RE, 'receipt number format');

      // 2. The case worker logs in and finds it in the queue.
      await loginFirstTime(page, cw, '/');
      await assertSessionCookie(context);
      const row = page.locator('#queue tbody tr', { hasText: number });
      await row.first().waitFor();
      assert.equal(await row.count(), 1, `one row for ${number} in #queue`);
      await shot(page, 'console_queue.png');
      const link = row.locator(`a[href="/reports/${number}"]`);
      assert.equal(await link.count(), 1, `row links to /reports/${number}`);
      await Promise.all([page.waitForURL(`${consoleURL}/reports/${number}`), link.click()]);

      // 3. The report page.
      assert.equal((await page.locator('#report-number').innerText()).trim(), number, '#report-number');
      assert.equal(await page.locator('#report-state').getAttribute('data-state'), 'received');
      assert.ok((await page.locator('#report-urls').innerText()).includes(BENIGN_URL), '#report-urls');
      assert.equal(await page.locator('#report-urls a').count(), 0, 'URLs shown as text, not links');
      const onReport = (p) => p === `/reports/${number}`;

      // State: received -> under_analysis.
      const stateForm = page.locator('form#act-state');
      await stateForm.locator('select[name="state"]').selectOption('under_analysis');
      const stated = await submitForm(page, stateForm, onReport);
      assert.equal(stated.status(), 303, 'POST state answers 303');
      assert.equal(await page.locator('#report-state').getAttribute('data-state'), 'under_analysis');

      // Classify: assessment baseline.
      const classify = page.locator('form#act-classify');
      await classify.locator('select[name="assessment"]').selectOption('baseline');
      const classified = await submitForm(page, classify, onReport);
      assert.equal(classified.status(), 303, 'POST classify answers 303');
      assert.match(await page.locator('#report-classification').innerText(), /Baseline/,
        '#report-classification shows the assessment');
      assert.equal(await page.locator('form#act-classify select[name="assessment"]').inputValue(),
        'baseline', 'the classify form keeps the chosen value');
      await shot(page, 'console_report.png');

      // Open a case from the report page.
      const openCase = page.locator('form#open-case');
      await openCase.locator('[name="title"]').fill('E2E case');
      const opened = await submitForm(page, openCase, (p) => /^\/cases\/\d+$/.test(p));
      assert.equal(opened.status(), 303, 'POST /cases answers 303');
      const caseId = /^\/cases\/(\d+)$/.exec(new URL(page.url()).pathname)[1];
      assert.equal((await page.locator('#case-id').innerText()).trim(), caseId, '#case-id');
      assert.match(await page.locator('h1').innerText(), /E2E case/, 'case title');
      assert.equal(await page.locator('#case-owner').innerText(), 'cw', '#case-owner');
      assert.equal(await page.locator(`#case-reports a[href="/reports/${number}"]`).count(), 1,
        'the report is linked to the case');

      // Refer it to the police.
      const referral = page.locator('form#new-referral');
      await referral.locator('select[name="to_type"]').selectOption('police');
      await referral.locator('[name="recipient"]').fill('Local police (test)');
      const sentOn = today();
      await referral.locator('[name="sent_on"]').fill(sentOn);
      await referral.locator('[name="reference"]').fill('TEST-1');
      const referred = await submitForm(page, referral, (p) => p === `/cases/${caseId}`);
      assert.equal(referred.status(), 303, 'POST referral answers 303');
      const refs = page.locator('#case-referrals');
      await refs.waitFor();
      const refsText = await refs.innerText();
      assert.ok(refsText.includes('Local police (test)'), `#case-referrals names the recipient: ${refsText}`);
      assert.ok(refsText.includes('TEST-1'), `#case-referrals shows the reference: ${refsText}`);
      assert.ok(refsText.includes(sentOn), `#case-referrals shows the date ${sentOn}: ${refsText}`);
      await shot(page, 'console_case.png');

      // 4. Log out with the header's button.
      const logout = page.locator('header form[action="/logout"]');
      const out = await submitForm(page, logout, (p) => p === '/login');
      assert.equal(out.status(), 303, 'POST /logout answers 303');
      assert.equal((await context.cookies(consoleURL)).filter((c) => c.name === 'hl_session').length, 0,
        'hl_session cleared on logout');
      const gone = await page.goto(`${consoleURL}/`);
      assert.equal(new URL(page.url()).pathname, '/login', 'after logout the queue sends to /login');
      assert.equal(gone.status(), 200);

      // The auditor.
      await loginFirstTime(page, aud, '/audit');
      await assertSessionCookie(context);
      const audit = await page.goto(`${consoleURL}/audit`);
      assert.equal(audit.status(), 200, 'GET /audit');
      const rows = await page.locator('#audit tbody tr').evaluateAll((trs) => trs.map(
        (tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent.trim())));
      // columns: id, at, actor, action, object, detail
      const byCw = rows.filter((r) => r[2] === 'user:cw');
      const expected = [
        ['report.read', `report ${number}`],
        ['report.state', `report ${number}`],
        ['report.classify', `report ${number}`],
        ['case.create', `case ${caseId}`],
        ['case.referral', `case ${caseId}`],
      ];
      for (const [action, object] of expected) {
        assert.ok(byCw.some((r) => r[3] === action && r[4] === object),
          `#audit has ${action} on ${object} by user:cw; rows by user:cw:\n`
          + byCw.map((r) => r.join(' | ')).join('\n'));
      }
      await shot(page, 'console_audit.png');

      assert.deepEqual(foreign, [], 'no request to any host other than the server');
    } finally {
      await context.close();
    }
  });
