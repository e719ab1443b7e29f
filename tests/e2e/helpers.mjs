// Shared helpers of the browser tests (not a test itself): a server on a
// fresh data folder, accounts with TOTP, Chromium contexts that record any
// request leaving the two listeners, form submission and first login.
// Only benign, synthetic data on example.org is used.

import assert from 'node:assert/strict';
import { spawn, execFile, execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
export const repo = resolve(here, '..', '..');
export const HOTLINE_BIN = process.env.HOTLINE_BIN || join(repo, 'build', 'hotline');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const ARTIFACTS = join(here, 'artifacts');
// Flags this machine needs (closed network, root); playwright-core gives
// every launch a fresh, empty --user-data-dir itself.
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
  '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];

// Starts `hotline serve` on free ports; resolves to
// {proc, dataRoot, dataDir, publicURL, consoleURL, log()}.
export function startServer(tag, extraEnv = {}) {
  const dataRoot = mkdtempSync(join(tmpdir(), `hotline-e2e-${tag}-`));
  const dataDir = join(dataRoot, 'var');
  // The shipped example profile, but host names resolve from an empty
  // hosts file only: reported example.org names are never looked up in the
  // DNS (issue 6: no traffic leaves the machine).
  const hosts = join(dataRoot, 'hosts.empty');
  const profile = join(dataRoot, 'profile.conf');
  writeFileSync(hosts, '');
  writeFileSync(profile, readFileSync(join(repo, 'data', 'profiles', 'example-be.conf'), 'utf8') +
    `\n# tests: names resolve from this file only\nresolver_hosts = ${hosts}\n`);
  execFileSync(HOTLINE_BIN, ['init', '--data', dataDir, '--profile', profile], { stdio: 'ignore' });
  const args = ['serve', '--data', dataDir, '--listen', '127.0.0.1:0',
    '--console-listen', '127.0.0.1:0'];
  const proc = spawn(HOTLINE_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...extraEnv } });
  let log = '';
  proc.stderr.on('data', (d) => { log += d; });
  const srv = { proc, dataRoot, dataDir, log: () => log };
  process.on('exit', () => { if (proc.exitCode === null) proc.kill('SIGKILL'); });
  return new Promise((ok, ko) => {
    const fail = (why) => ko(new Error(`${why}\ncommand: ${HOTLINE_BIN} ${args.join(' ')}\nstderr:\n${log}`));
    const timer = setTimeout(() => fail('server did not print "ready" within 20 s'), 20000);
    proc.on('error', (e) => { clearTimeout(timer); fail(`cannot start server: ${e.message}`); });
    proc.on('exit', (code, sig) => { clearTimeout(timer); fail(`server exited early (code ${code}, signal ${sig})`); });
    const lines = [];
    createInterface({ input: proc.stdout }).on('line', (line) => {
      log += `[stdout] ${line}\n`;
      lines.push(line);
      // API.md: exactly these three lines, in this order, then anything.
      if (lines.length === 1) {
        const m = /^public (http:\/\/\S+)$/.exec(line);
        if (!m) return fail(`first stdout line is not "public http://...": ${JSON.stringify(line)}`);
        srv.publicURL = m[1].replace(/\/$/, '');
      } else if (lines.length === 2) {
        const m = /^console (http:\/\/\S+)$/.exec(line);
        if (!m) return fail(`second stdout line is not "console http://...": ${JSON.stringify(line)}`);
        srv.consoleURL = m[1].replace(/\/$/, '');
      } else if (lines.length === 3) {
        if (line !== 'ready') return fail(`third stdout line is not "ready": ${JSON.stringify(line)}`);
        clearTimeout(timer);
        proc.removeAllListeners('exit');
        ok(srv);
      }
    });
  });
}

export async function stopServer(srv) {
  if (!srv) return;
  const p = srv.proc;
  if (p.exitCode === null && p.signalCode === null) {
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    const t = setTimeout(() => p.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  }
  rmSync(srv.dataRoot, { recursive: true, force: true });
}

const run = promisify(execFile);

// `hotline user add NAME --role ROLE --json`: {name, role, password, totp_secret}.
export async function addUser(srv, name, role) {
  let out;
  try {
    out = await run(HOTLINE_BIN, ['user', 'add', name, '--role', role, '--json', '--data', srv.dataDir]);
  } catch (e) {
    throw new Error(`hotline user add ${name} failed (exit ${e.code}):\n${e.stdout}\n${e.stderr}`);
  }
  const acct = JSON.parse(out.stdout);
  assert.equal(acct.name, name, 'user add --json: name');
  assert.equal(acct.role, role, 'user add --json: role');
  assert.equal(typeof acct.password, 'string', 'user add --json: password');
  assert.equal(typeof acct.totp_secret, 'string', 'user add --json: totp_secret');
  assert.match(acct.totp_uri, /^otpauth:\/\/totp\/.*[?&]secret=/, 'user add --json: totp_uri');
  return acct;
}

export function base32Decode(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bytes = [];
  let acc = 0;
  let bits = 0;
  for (const ch of s.toUpperCase().replace(/[\s=-]/g, '')) {
    const v = alphabet.indexOf(ch);
    if (v < 0) throw new Error(`not base32: ${JSON.stringify(s)}`);
    acc = (acc << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bytes.push((acc >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(bytes);
}

// RFC 6238 (SHA-1, 6 digits, 30 s).
export function totp(secretBase32, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32Decode(secretBase32)).update(counter).digest();
  const off = mac[mac.length - 1] & 0x0f;
  const bin = ((mac[off] & 0x7f) << 24) | (mac[off + 1] << 16) | (mac[off + 2] << 8) | mac[off + 3];
  return String(bin % 1000000).padStart(6, '0');
}

// Each code is taken once per account, for a later step than the last.
const lastStep = new Map();
export function nextCode(acct) {
  const now = Math.floor(Date.now() / 1000 / 30);
  const used = lastStep.get(acct.name);
  const step = used === undefined || used < now ? now : used + 1;
  if (step > now + 1) throw new Error(`no unused TOTP step left for ${acct.name}`);
  lastStep.set(acct.name, step);
  return totp(acct.totp_secret, step);
}

// A context recording every request to anything but the two listeners.
export async function newContext(browser, srv) {
  const context = await browser.newContext({ locale: 'en-GB' });
  const foreign = [];
  const allowed = new Set([new URL(srv.publicURL).origin, new URL(srv.consoleURL).origin]);
  context.on('request', (req) => {
    const u = new URL(req.url());
    if (u.protocol === 'data:' || u.protocol === 'about:' || u.protocol === 'blob:') return;
    if (!allowed.has(u.origin)) foreign.push(req.url());
  });
  return { context, page: await context.newPage(), foreign };
}

// Clicks the form's submit button; waits for its POST and the page landed on.
export async function submitForm(page, form, expectPath) {
  const button = form.locator('button[type="submit"], input[type="submit"], button:not([type])').first();
  const action = new URL(await form.evaluate((f) => f.action));
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'
      && new URL(r.url()).pathname === action.pathname),
    button.click(),
  ]);
  if (expectPath) await page.waitForURL((u) => expectPath(u.pathname));
  await page.waitForLoadState('domcontentloaded');
  return response;
}

export async function shot(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, name), fullPage: true });
}

// First login: /login, then /account/password, then the role's first page.
export async function loginFirstTime(page, srv, acct, password, firstPage) {
  await page.goto(`${srv.consoleURL}/login`);
  const form = page.locator('form[action="/login"]');
  await form.locator('[name="name"]').fill(acct.name);
  await form.locator('[name="password"]').fill(acct.password);
  await form.locator('[name="code"]').fill(nextCode(acct));
  const posted = await submitForm(page, form, (p) => p !== '/login');
  assert.equal(posted.status(), 303, `POST /login as ${acct.name}`);
  const pw = page.locator('form[action="/account/password"]');
  await pw.locator('[name="password"]').fill(password);
  await pw.locator('[name="confirm"]').fill(password);
  await submitForm(page, pw, (p) => p !== '/account/password');
  assert.equal(new URL(page.url()).pathname, firstPage, `${acct.name} lands on ${firstPage}`);
}
