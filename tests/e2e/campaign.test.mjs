// End-to-end test of the awareness campaign (/campaign) in headless Debian
// Chromium driven by playwright-core: the page with and without
// JavaScript, in each language; the live counter moving; no request to
// another origin, no cookie, no CSP violation; the share card served as a
// valid PNG of 1200x630; a screenshot per language in tests/e2e/artifacts/.
//
//   HOTLINE_BIN=build/hotline node --test tests/e2e/campaign.test.mjs

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { inflateSync } from 'node:zlib';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const HOTLINE_BIN = process.env.HOTLINE_BIN || join(repo, 'build', 'hotline');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS = join(here, 'artifacts');
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
  '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];
const LANGS = ['en', 'fr', 'nl', 'de'];

let server;
let dataRoot;
let publicURL;
let browser;
let serverLog = '';

function startServer() {
  dataRoot = mkdtempSync(join(tmpdir(), 'hotline-e2e-campaign-'));
  // the campaign runs now: the banner shows on the home page
  const profile = join(dataRoot, 'profile.conf');
  writeFileSync(profile, readFileSync(join(repo, 'data', 'profiles', 'example-be.conf'), 'utf8') +
    '\ncampaign_start = 2000-01-01\ncampaign_end = 2999-12-31\n');
  const args = ['serve', '--data', join(dataRoot, 'var'), '--profile', profile,
    '--listen', '127.0.0.1:0', '--console-listen', '127.0.0.1:0'];
  server = spawn(HOTLINE_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  server.stderr.on('data', (d) => { serverLog += d; });
  return new Promise((resolveReady, rejectReady) => {
    const fail = (why) => rejectReady(new Error(`${why}\nstderr:\n${serverLog}`));
    const timer = setTimeout(() => fail('server did not print "ready" within 20 s'), 20000);
    server.on('exit', (code, sig) => { clearTimeout(timer); fail(`server exited (${code}, ${sig})`); });
    createInterface({ input: server.stdout }).on('line', (line) => {
      const m = /^public (http:\/\/\S+)$/.exec(line);
      if (m) publicURL = m[1].replace(/\/$/, '');
      if (line === 'ready') {
        clearTimeout(timer);
        server.removeAllListeners('exit');
        resolveReady();
      }
    });
  });
}

async function stopServer() {
  if (!server || server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((r) => server.once('exit', r));
  server.kill('SIGTERM');
  const t = setTimeout(() => server.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(t);
}

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  await startServer();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});

after(async () => {
  if (browser) await browser.close();
  await stopServer();
  if (dataRoot) rmSync(dataRoot, { recursive: true, force: true });
});

process.on('exit', () => { if (server && server.exitCode === null) server.kill('SIGKILL'); });

// A context recording requests to other origins and console errors.
async function openPage(lang, javaScriptEnabled) {
  const context = await browser.newContext({ locale: lang, javaScriptEnabled });
  const foreign = [];
  const errors = [];
  const origin = new URL(publicURL).origin;
  context.on('request', (req) => {
    const u = new URL(req.url());
    if (['data:', 'about:', 'blob:'].includes(u.protocol)) return;
    if (u.origin !== origin) foreign.push(req.url());
  });
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  return { context, page, foreign, errors };
}

// Euro amounts as the counter prints them, in any of the four languages.
function amountOf(text) {
  const digits = text.replace(/[^\d]/g, '');
  assert.ok(digits.length > 0, `no digits in ${JSON.stringify(text)}`);
  return Number(digits);
}

for (const lang of LANGS) {
  test(`campaign page with JavaScript (${lang}): counter moves, no foreign request`, async () => {
    const { context, page, foreign, errors } = await openPage(lang, true);
    const resp = await page.goto(`${publicURL}/campaign?lang=${lang}`);
    assert.equal(resp.status(), 200);
    assert.equal(await page.getAttribute('html', 'lang'), lang);
    const counter = page.locator('#counter');
    await counter.waitFor({ state: 'visible' });
    const central = page.locator('#counter-central');
    await page.waitForFunction(() => Number(document.getElementById('counter').dataset.seconds) > 0.4);
    const first = amountOf(await central.textContent());
    await page.waitForFunction(
      (f) => Number(document.getElementById('counter-central').textContent.replace(/[^\d]/g, '')) > f,
      first, { timeout: 10000 });
    const second = amountOf(await central.textContent());
    assert.ok(second > first, `counter did not move: ${first} then ${second}`);
    // the low and high counters bracket the central one
    const low = amountOf(await page.locator('#counter-low').textContent());
    const high = amountOf(await page.locator('#counter-high').textContent());
    assert.ok(low <= high, `${low} > ${high}`);
    // three figures with their sources
    assert.equal(await page.locator('.bound .amount').count(), 3);
    assert.ok(await page.locator('.bound .sources a').count() >= 5);
    // help for worried people and the reporting link are on the page
    assert.equal(await page.locator('#worried').count(), 1);
    assert.ok(await page.locator('a[href^="/?lang="]').count() >= 1);
    assert.deepEqual((await context.cookies()), []);
    assert.deepEqual(foreign, []);
    assert.deepEqual(errors.filter((e) => /Content Security Policy|Refused/.test(e)), []);
    await page.screenshot({ path: join(ARTIFACTS, `campaign-${lang}.png`), fullPage: true });
    await context.close();
  });

  test(`campaign page without JavaScript (${lang}): the form picks span and scope`, async () => {
    const { context, page, foreign } = await openPage(lang, false);
    await page.goto(`${publicURL}/campaign?lang=${lang}`);
    assert.equal(await page.locator('#counter').isVisible(), false);
    const before = await page.locator('.bound.central .amount').textContent();
    await page.selectOption('#span', 'day');
    await page.selectOption('#scope', 'europe');
    await Promise.all([page.waitForNavigation(), page.click('.calc-form button')]);
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('span'), 'day');
    assert.equal(url.searchParams.get('scope'), 'europe');
    assert.equal(url.searchParams.get('lang'), lang);
    const after = await page.locator('.bound.central .amount').textContent();
    assert.notEqual(after, before);
    assert.equal(await page.getAttribute('#estimate', 'data-scope'), 'europe');
    // methodology and FAQ are reachable by plain links
    await Promise.all([page.waitForNavigation(), page.click(`a[href="/campaign/faq?lang=${lang}"]`)]);
    assert.ok(await page.locator('.faq-q').count() >= 6);
    await page.goto(`${publicURL}/campaign/methodology?lang=${lang}`);
    assert.ok(await page.locator('tr[id^="src-"]').count() > 90);
    await page.screenshot({ path: join(ARTIFACTS, `campaign-nojs-${lang}.png`) });
    assert.deepEqual(foreign, []);
    assert.deepEqual((await context.cookies()), []);
    await context.close();
  });
}

test('share card: a valid PNG of 1200x630, shown on the page', async () => {
  const { context, page } = await openPage('en', true);
  await page.goto(`${publicURL}/campaign?lang=en`);
  const natural = await page.locator('.share img').evaluate((img) =>
    img.complete ? [img.naturalWidth, img.naturalHeight] : null);
  assert.deepEqual(natural, [1200, 630]);
  for (const lang of LANGS) {
    const resp = await page.request.get(`${publicURL}/campaign/share.png?lang=${lang}`);
    assert.equal(resp.status(), 200);
    assert.equal(resp.headers()['content-type'], 'image/png');
    const buf = await resp.body();
    assert.deepEqual([...buf.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.equal(buf.toString('latin1', 12, 16), 'IHDR');
    assert.equal(buf.readUInt32BE(16), 1200);
    assert.equal(buf.readUInt32BE(20), 630);
    // the image data inflates to the announced rows
    let pos = 8; const idat = [];
    while (pos < buf.length) {
      const len = buf.readUInt32BE(pos);
      const kind = buf.toString('latin1', pos + 4, pos + 8);
      if (kind === 'IDAT') idat.push(buf.subarray(pos + 8, pos + 8 + len));
      pos += 12 + len;
    }
    const depth = buf[24];
    const raw = inflateSync(Buffer.concat(idat));
    assert.equal(raw.length, 630 * (1 + Math.ceil((1200 * depth) / 8)));
    if (lang === 'en') writeFileSync(join(ARTIFACTS, 'campaign-share.png'), buf);
  }
  await context.close();
});

test('home page carries the campaign banner within the dates', async () => {
  const { context, page } = await openPage('de', false);
  await page.goto(`${publicURL}/?lang=de`);
  const banner = page.locator('aside.campaign-banner a');
  assert.equal(await banner.count(), 1);
  await Promise.all([page.waitForNavigation(), banner.click()]);
  assert.equal(new URL(page.url()).pathname, '/campaign');
  await context.close();
});
