// End-to-end test of the public pages in French, in headless Debian Chromium
// driven by playwright-core (no downloaded browser).
//
//   HOTLINE_BIN=build/hotline node --test tests/e2e/report_fr.test.mjs
//   (or: node tests/e2e/report_fr.test.mjs)
//
// Environment: HOTLINE_BIN (default <repo>/build/hotline), CHROMIUM
// (default /usr/bin/chromium). Screenshots go to tests/e2e/artifacts/.
// Only benign, synthetic data on example.org is used.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import * as h from './helpers.mjs';

const { ARTIFACTS, CHROMIUM, CHROMIUM_ARGS } = h;

const NUMBER_RE = /^\d{3}-\d{3}-\d{3}$/;
// Crockford base32 without I, L, O, U; 7 groups of 4.
const SECRET_RE = /^[0-9A-HJKMNP-TV-Z]{4}(?:-[0-9A-HJKMNP-TV-Z]{4}){6}$/;
const BENIGN_URL = 'https://example.org/benign-test-page';

let srv;             // helpers.startServer: proc, dataDir, publicURL, consoleURL
let publicURL;       // e.g. http://127.0.0.1:41234
let browser;

// Damm check (API.md: the last digit of the number is a Damm check digit).
const DAMM = [
  [0, 3, 1, 7, 5, 9, 8, 6, 4, 2], [7, 0, 9, 2, 1, 5, 4, 8, 6, 3],
  [4, 2, 0, 6, 8, 7, 1, 3, 5, 9], [1, 7, 5, 0, 9, 8, 3, 4, 2, 6],
  [6, 1, 2, 3, 0, 4, 5, 9, 7, 8], [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
  [5, 8, 6, 9, 7, 2, 0, 1, 3, 4], [8, 9, 4, 5, 3, 6, 2, 0, 1, 7],
  [9, 4, 3, 8, 6, 1, 7, 2, 0, 5], [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
];
function dammValid(digits) {
  let interim = 0;
  for (const ch of digits) interim = DAMM[interim][ch.charCodeAt(0) - 48];
  return interim === 0;
}

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  srv = await h.startServer('fr');
  ({ publicURL } = srv);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});

after(async () => {
  if (browser) await browser.close();
  await h.stopServer(srv);
});

// A French browser context that records every request leaving the page.
async function frenchPage() {
  const context = await browser.newContext({ locale: 'fr-BE' });
  const foreign = [];
  const origin = new URL(publicURL).origin;
  context.on('request', (req) => {
    const u = new URL(req.url());
    if (u.protocol === 'data:' || u.protocol === 'about:' || u.protocol === 'blob:') return;
    if (u.origin !== origin) foreign.push(req.url());
  });
  const page = await context.newPage();
  return { context, page, foreign };
}

// French, in the markup and in the words: <html lang="fr">, and the visible
// text has more French than English function words (catches pages marked
// fr whose text fell back to English).
const FR_WORDS = /(?<![\p{L}'’])(le|la|les|des|du|un|une|et|est|votre|vos|vous|nous|pour|avec|dans|sur|pas|qui|que)(?![\p{L}'’])/giu;
const EN_WORDS = /(?<![\p{L}'’])(the|your|you|we|and|is|are|for|with|to|of|what|this|that|not)(?![\p{L}'’])/giu;
async function assertFrench(page, where) {
  assert.equal(await page.locator('html').getAttribute('lang'), 'fr', `<html lang> on ${where}`);
  const text = await page.locator('body').innerText();
  const fr = (text.match(FR_WORDS) || []).length;
  const en = (text.match(EN_WORDS) || []).length;
  assert.ok(fr > en, `text of ${where} is French (French words ${fr}, English words ${en}):\n`
    + text.slice(0, 400));
}

// The form holding a given field, and its submit button.
function formWith(page, field) {
  return page.locator('form', { has: page.locator(`[name="${field}"]`) }).first();
}
async function submit(page, form, pathSuffix) {
  const button = form.locator('button[type="submit"], input[type="submit"], button:not([type])').first();
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'
      && new URL(r.url()).pathname === pathSuffix),
    button.click(),
  ]);
  await page.waitForLoadState('domcontentloaded');
  return response;
}

// "where" may be a <select> or radio buttons: choose "website" either way.
async function chooseWhere(form) {
  const select = form.locator('select[name="where"]');
  if (await select.count()) {
    await select.selectOption('website');
    return;
  }
  await form.locator('input[name="where"][value="website"]').check();
}

test('French report of online abuse material, then its status', { timeout: 90000 }, async () => {
  const { context, page, foreign } = await frenchPage();
  try {
    const home = await page.goto(`${publicURL}/?lang=fr`);
    assert.equal(home.status(), 200);
    await assertFrench(page, 'home');

    // Choose "online abuse material" from the home page.
    const link = page.locator('a[href*="kind=abuse_material"]').first();
    assert.ok(await link.count(), 'home page has a link to /report?kind=abuse_material');
    await Promise.all([page.waitForURL(/\/report\?.*kind=abuse_material/), link.click()]);
    await assertFrench(page, 'abuse_material form');

    const form = formWith(page, 'urls');
    await form.locator('[name="urls"]').fill(BENIGN_URL);
    await chooseWhere(form);
    await form.locator('[name="description"]')
      .fill('Rapport de test synthétique et bénin (test automatique).');
    assert.equal(await form.locator('[name="lang"]').inputValue(), 'fr', 'hidden lang field');
    const filed = await submit(page, form, '/report');
    assert.equal(filed.status(), 200, 'POST /report answers 200 with the receipt');
    await assertFrench(page, 'receipt');

    const number = (await page.locator('#receipt-number').innerText()).trim();
    const secret = (await page.locator('#receipt-secret').innerText()).trim();
    assert.match(number, NUMBER_RE, 'receipt number format');
    assert.ok(dammValid(number.replace(/-/g, '')), `Damm check digit of ${number}`);
    assert.match(secret, SECRET_RE, 'receipt secret format');
    await page.screenshot({ path: join(ARTIFACTS, 'receipt_fr.png'), fullPage: true });

    // Status look-up. No ?lang here: the language must come from
    // Accept-Language (the context's fr-BE locale).
    const statusForm = await page.goto(`${publicURL}/status`);
    assert.equal(statusForm.status(), 200);
    await assertFrench(page, 'status form (Accept-Language fr-BE)');
    const lookup = formWith(page, 'secret');
    await lookup.locator('[name="number"]').fill(number);
    await lookup.locator('[name="secret"]').fill(secret);
    const shown = await submit(page, lookup, '/status');
    assert.equal(shown.status(), 200, 'POST /status answers 200');
    const state = page.locator('#report-state');
    assert.equal(await state.getAttribute('data-state'), 'received');
    await assertFrench(page, 'status page');
    await page.screenshot({ path: join(ARTIFACTS, 'status_fr.png'), fullPage: true });

    assert.deepEqual(await context.cookies(), [], 'no cookie is ever set');
    assert.deepEqual(foreign, [], 'no request to any host other than the server');
  } finally {
    await context.close();
  }
});

test('French abuse_material form with an empty URL field is refused and keeps the values', { timeout: 60000 }, async () => {
  const { context, page, foreign } = await frenchPage();
  try {
    const res = await page.goto(`${publicURL}/report?kind=abuse_material&lang=fr`);
    assert.equal(res.status(), 200);
    await assertFrench(page, 'abuse_material form');
    const form = formWith(page, 'urls');
    const description = 'Description de test bénigne, à conserver après erreur.';
    await form.locator('[name="urls"]').fill('');
    await form.locator('[name="description"]').fill(description);
    // The check under test is the server's: turn off the browser's own
    // validation (a `required` attribute would stop the submission).
    await form.evaluate((f) => { f.noValidate = true; });
    const refused = await submit(page, form, '/report');
    assert.equal(refused.status(), 422, 'POST /report with no URL answers 422');
    await assertFrench(page, 'form with errors');
    assert.equal(await page.locator('.error#error-urls').count(), 1, '.error#error-urls shown');
    assert.ok(await page.locator('.error#error-urls').isVisible(), '.error#error-urls visible');
    assert.equal(await page.locator('#receipt-number').count(), 0, 'no receipt');
    assert.equal(await formWith(page, 'urls').locator('[name="description"]').inputValue(),
      description, 'description kept');
    assert.deepEqual(foreign, [], 'no request to any host other than the server');
  } finally {
    await context.close();
  }
});
