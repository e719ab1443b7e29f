// End-to-end test of the online-material pages (docs/CONSOLE.md, "Online
// material"), in headless Debian Chromium driven by playwright-core.
//
//   HOTLINE_BIN=build/hotline node --test tests/e2e/items.test.mjs
//
// Two reports name one URL in two spellings; an analyst finds one item with
// both reports, assesses it in the browser and opens the statistics; a
// supervisor edits a sample directory entry in place. No request leaves
// the server's two listeners. Only benign, synthetic data on example.org.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import * as h from './helpers.mjs';

const PASSWORD = 'e2e-items-passphrase-2024';
const URL_NORM = 'https://example.org/e2e-items/page';

let srv;
let browser;

before(async () => {
  mkdirSync(h.ARTIFACTS, { recursive: true });
  srv = await h.startServer('items');
  browser = await chromium.launch({ executablePath: h.CHROMIUM, args: h.CHROMIUM_ARGS });
});

after(async () => {
  if (browser) await browser.close();
  await h.stopServer(srv);
});

async function fileReport(url) {
  const res = await fetch(`${srv.publicURL}/api/v1/reports`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ kind: 'abuse_material', urls: [url] }),
  });
  assert.equal(res.status, 201, `POST /api/v1/reports ${url}: ${await res.text()}`);
}

test('one item for two spellings, assessed in the browser; statistics; a directory entry edited',
  { timeout: 120000 }, async () => {
    await fileReport(URL_NORM);
    await fileReport('HTTPS://Example.ORG:443/e2e-items/./page#top');
    const analyst = await h.addUser(srv, 'an', 'analyst');
    const supervisor = await h.addUser(srv, 'sup', 'supervisor');

    const a = await h.newContext(browser, srv);
    try {
      await h.loginFirstTime(a.page, srv, analyst, PASSWORD, '/');
      const list = await a.page.goto(`${srv.consoleURL}/items`);
      assert.equal(list.status(), 200, 'GET /items');
      const row = a.page.locator('#items tbody tr', { hasText: URL_NORM });
      assert.equal(await row.count(), 1, 'one row for the two spellings');
      await Promise.all([a.page.waitForURL(/\/items\/\d+$/),
        row.locator('a[href^="/items/"]').first().click()]);
      assert.equal((await a.page.locator('#item-url').innerText()).trim(), URL_NORM);
      assert.equal((await a.page.locator('#item-count').innerText()).trim(), '2',
        'both reports counted');
      const assess = a.page.locator('#assess-form');
      await assess.locator('input[name="outcome"][value="not_illegal"]').check();
      const res = await h.submitForm(a.page, assess, (p) => /^\/items\/\d+$/.test(p));
      assert.equal(res.status(), 303, 'POST assess answers 303');
      assert.equal(await a.page.locator('#item-state').getAttribute('data-state'), 'not_illegal');
      await h.shot(a.page, 'console_item.png');

      const stats = await a.page.goto(`${srv.consoleURL}/stats`);
      assert.equal(stats.status(), 200, 'GET /stats');
      assert.ok(await a.page.locator('svg').count() > 0, 'charts drawn as SVG');
      assert.equal(await a.page.locator('#table-period').count(), 1, 'each chart has its table');
      await h.shot(a.page, 'console_stats.png');

      // analysts read the directory but get no form to change it
      await a.page.goto(`${srv.consoleURL}/directory`);
      assert.equal(await a.page.locator('#dir-form').count(), 0, 'no form for an analyst');
      assert.deepEqual(a.foreign, [], 'no request left the server');
    } finally {
      await a.context.close();
    }

    const s = await h.newContext(browser, srv);
    try {
      await h.loginFirstTime(s.page, srv, supervisor, PASSWORD, '/');
      await s.page.goto(`${srv.consoleURL}/directory`);
      const sample = s.page.locator('#directory tbody tr', { hasText: 'sample, to check' }).first();
      const id = (await sample.getAttribute('id')).replace('dir-', '');
      await Promise.all([s.page.waitForURL(new RegExp(`/directory/${id}$`)),
        sample.locator('a.dir-edit').click()]);
      const form = s.page.locator('#dir-form');
      assert.notEqual(await form.locator('[name="name"]').inputValue(), '', 'the form is filled in');
      await form.locator('[name="name"]').fill('Partner hotline (checked)');
      const saved = await h.submitForm(s.page, form, (p) => p === '/directory');
      assert.equal(saved.status(), 303, 'POST /directory/{id} answers 303');
      const text = await s.page.locator(`#dir-${id}`).innerText();
      assert.match(text, /Partner hotline \(checked\)/, 'the entry keeps its id, with the new name');
      assert.doesNotMatch(text, /sample, to check/, 'no longer marked as a sample');
      await h.shot(s.page, 'console_directory.png');
      assert.deepEqual(s.foreign, [], 'no request left the server');
    } finally {
      await s.context.close();
    }
  });
