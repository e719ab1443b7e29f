#!/usr/bin/env python3
"""Shared helpers for the staff console tests (docs/CONSOLE.md): TOTP codes,
staff accounts and API keys made with the command line, console sessions
with their cookie and CSRF token, and the audit log as JSON.

Import names from here, never the test case at the bottom: run on its own,
this file checks its own TOTP code against the RFC 6238 test vectors.
"""

import base64
import hashlib
import hmac
import itertools
import json
import os
import struct
import sys
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (ServerTestCase, Doc, http_request, parse_json,  # noqa: E402
                     run_cli)

ROLES = ("operator", "analyst", "case_worker", "supervisor", "admin", "auditor")
CASEWORK = ("analyst", "case_worker", "supervisor")
STEP = 30
FORM = "application/x-www-form-urlencoded"
NEW_PASSWORD = "correct horse battery staple 42"


# --------------------------------------------------------------------------
# RFC 6238 TOTP

def b32decode(secret):
    s = secret.strip().replace(" ", "").upper()
    s += "=" * (-len(s) % 8)
    return base64.b32decode(s)


def hotp(key, counter, digits=6):
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    code = struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF
    return "%0*d" % (digits, code % (10 ** digits))


def totp(secret_b32, step):
    """The 6-digit code of time step STEP (time // 30)."""
    return hotp(b32decode(secret_b32), step)


def now_step():
    return int(time.time()) // STEP


def wrong_code(secret_b32):
    """A 6-digit code that is valid for none of the steps around now."""
    s = now_step()
    valid = {totp(secret_b32, s + d) for d in range(-3, 4)}
    for c in itertools.count(123456):
        code = "%06d" % (c % 1000000)
        if code not in valid:
            return code


# --------------------------------------------------------------------------
# accounts and keys (the command line, on the running server's data folder)

_SEQ = itertools.count(1)


def unique_name(prefix):
    return "%s_%d_%d" % (prefix, os.getpid() % 100000, next(_SEQ))


class Staff:
    """An account made by `hotline user add`: its one-time password, TOTP
    secret and the last time step used to log in (codes are single-use)."""

    def __init__(self, name, role, password, secret):
        self.name = name
        self.role = role
        self.password = password
        self.secret = secret
        self.last_step = 0

    @property
    def actor(self):
        return "user:" + self.name

    def next_code(self):
        """A code for a step after the last one used: now, or the next step
        (both accepted). Waits when both were used already."""
        while True:
            s = now_step()
            for cand in (s, s + 1):
                if cand > self.last_step:
                    self.last_step = cand
                    return totp(self.secret, cand)
            time.sleep(1)


def cli(srv, *args):
    return run_cli(list(args) + ["--data", srv.data])


def add_user(testcase, srv, role, prefix=None):
    name = unique_name(prefix or role)
    r = cli(srv, "user", "add", name, "--role", role, "--json")
    testcase.assertEqual(r.returncode, 0, "user add %s: %s" % (name, r.stderr))
    j = json.loads(r.stdout)
    testcase.assertEqual(j["name"], name)
    testcase.assertEqual(j["role"], role)
    testcase.assertTrue(j["password"] and j["totp_secret"], j)
    return Staff(name, role, j["password"], j["totp_secret"])


def add_apikey(testcase, srv, role, prefix=None):
    name = unique_name("key_" + (prefix or role))
    r = cli(srv, "apikey", "add", name, "--role", role, "--json")
    testcase.assertEqual(r.returncode, 0, "apikey add %s: %s" % (name, r.stderr))
    j = json.loads(r.stdout)
    testcase.assertRegex(j["key"], r"^hlk_[0-9a-f]{64}$")
    return name, j["key"]


def audit_rows(srv, **filters):
    """`hotline audit list --json` (one JSON object a line) as a list."""
    args = ["audit", "list", "--json"]
    for k, v in filters.items():
        args += ["--" + k, str(v)]
    r = cli(srv, *args)
    if r.returncode != 0:
        raise AssertionError("audit list: exit %d: %s" % (r.returncode, r.stderr))
    out = []
    for line in r.stdout.splitlines():
        line = line.strip()
        if not line:
            continue
        j = json.loads(line)
        if isinstance(j, list):
            out.extend(j)
        else:
            out.append(j)
    return out


def last_audit_id(srv):
    rows = audit_rows(srv)
    return rows[-1]["id"] if rows else 0


# --------------------------------------------------------------------------
# cookies and sessions

def set_cookies(headers):
    return headers.get_all("Set-Cookie") or []


def parse_set_cookie(value):
    """'n=v; A; B=c' -> (n, v, {'a': True, 'b': 'c'}) (attribute names lowercased)."""
    parts = [p.strip() for p in value.split(";")]
    name, _, val = parts[0].partition("=")
    attrs = {}
    for p in parts[1:]:
        if not p:
            continue
        k, eq, v = p.partition("=")
        attrs[k.strip().lower()] = v.strip() if eq else True
    return name.strip(), val.strip(), attrs


def session_cookie(headers):
    """(token, attrs) of the hl_session Set-Cookie, or (None, None)."""
    for c in set_cookies(headers):
        n, v, a = parse_set_cookie(c)
        if n == "hl_session":
            return v, a
    return None, None


def console_request(srv, method, path, headers=None, body=None):
    return http_request(srv.console, method, path, headers, body)


def form_body(fields):
    return urllib.parse.urlencode(fields).encode("ascii")


def post_login(srv, name, password, code, headers=None):
    h = {"Content-Type": FORM}
    h.update(headers or {})
    return console_request(srv, "POST", "/login", h,
                           form_body({"name": name, "password": password, "code": code}))


class Session:
    """A console session: keeps the hl_session cookie and the CSRF token."""

    def __init__(self, srv, staff, token):
        self.srv = srv
        self.staff = staff
        self.token = token
        self._csrf = None

    def headers(self, extra=None):
        h = {"Cookie": "hl_session=" + self.token}
        h.update(extra or {})
        return h

    def get(self, path, headers=None):
        return console_request(self.srv, "GET", path, self.headers(headers))

    def post(self, path, fields=None, headers=None, raw=None):
        h = self.headers({"Content-Type": FORM})
        h.update(headers or {})
        body = raw if raw is not None else form_body(fields or {})
        return console_request(self.srv, "POST", path, h, body)

    @property
    def csrf(self):
        """The CSRF token shown in the session's pages."""
        if self._csrf is None:
            s, h, b = self.get("/account/password")
            if s != 200:
                raise AssertionError("GET /account/password: %d" % s)
            self._csrf = Doc(b.decode("utf-8")).field_value("csrf")
            if not self._csrf:
                raise AssertionError("no csrf field on /account/password")
        return self._csrf


class ConsoleTestCase(ServerTestCase):
    """A server for the class plus helpers to make staff and log in."""

    SERVER_ARGS = ["--lookup-limit", "100000"]

    def add_user(self, role, prefix=None):
        return add_user(self, self.srv, role, prefix)

    def add_apikey(self, role, prefix=None):
        return add_apikey(self, self.srv, role, prefix)

    def cli(self, *args):
        return cli(self.srv, *args)

    def audit(self, **filters):
        return audit_rows(self.srv, **filters)

    def con(self, method, path, headers=None, body=None):
        return console_request(self.srv, method, path, headers, body)

    def login_as(self, staff, headers=None):
        """Logs STAFF in with a fresh code; asserts the 303 and the cookie."""
        s, h, b = post_login(self.srv, staff.name, staff.password, staff.next_code(), headers)
        self.assertEqual(s, 303, "login %s: %d %r" % (staff.name, s, b[:300]))
        token, attrs = session_cookie(h)
        self.assertTrue(token, "login %s: no hl_session cookie" % staff.name)
        return Session(self.srv, staff, token), h

    def change_password(self, sess, password=NEW_PASSWORD):
        s, h, b = sess.post("/account/password", {"csrf": sess.csrf, "password": password,
                                                  "confirm": password})
        self.assertEqual(s, 303, "password change: %d %r" % (s, b[:300]))
        sess.staff.password = password
        return h.get("Location")

    def staff_session(self, role, prefix=None):
        """A new account of ROLE, logged in, one-time password replaced."""
        staff = self.add_user(role, prefix)
        sess, _ = self.login_as(staff)
        self.change_password(sess)
        return sess

    def assertRedirect(self, resp, location, msg=""):
        s, h, b = resp
        self.assertEqual(s, 303, "%s: %d %r" % (msg, s, b[:200]))
        self.assertEqual(h.get("Location"), location, msg)

    def assertJsonError(self, resp, status, code, msg=""):
        s, h, b = resp
        self.assertEqual(s, status, "%s: %r" % (msg, b[:300]))
        self.assertTrue(h.get("Content-Type", "").startswith("application/json"),
                        "%s: Content-Type %r" % (msg, h.get("Content-Type")))
        j = parse_json(b)
        self.assertIsInstance(j, dict, msg)
        codes = [e.get("code") for e in j.get("errors", [])]
        self.assertIn(code, codes, msg)

    def assertAlive(self):
        self.assertIsNone(self.srv.proc.poll(), "the server died")
        for base in (self.srv.public, self.srv.console):
            s, _, _ = http_request(base, "GET", "/healthz", timeout=10)
            self.assertEqual(s, 200, "/healthz on %s" % base)


# --------------------------------------------------------------------------
# self-check: RFC 6238 appendix B, SHA-1

class TotpVectors(unittest.TestCase):
    def test_rfc6238_sha1(self):
        key = base64.b32encode(b"12345678901234567890").decode()
        for t, want in ((59, "94287082"), (1111111109, "07081804"),
                        (1111111111, "14050471"), (1234567890, "89005924"),
                        (2000000000, "69279037"), (20000000000, "65353130")):
            self.assertEqual(hotp(b32decode(key), t // 30, 8), want)
            self.assertEqual(totp(key, t // 30), want[2:])


if __name__ == "__main__":
    unittest.main()
