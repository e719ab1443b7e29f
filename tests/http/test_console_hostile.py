#!/usr/bin/env python3
"""Hostile input to the console listener: huge names, garbage bytes, bodies
too large, invalid UTF-8, odd cookies and keys. Each gets a clear 4xx
answer, no session, and the server stays up."""

import http.client
import os
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Doc  # noqa: E402
from test_console_common import ConsoleTestCase, FORM, post_login, session_cookie  # noqa: E402

# Bytes 1..255 but NUL, shuffled deterministically, with '=' and '&' in
GARBAGE = bytes(((i * 97 + 13) % 255) + 1 for i in range(3000))
assert b"\x00" not in GARBAGE


class Hostile(ConsoleTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sess = None

    def setUp(self):
        if Hostile.sess is None:
            Hostile.sess = self.staff_session("analyst", "host")

    def tearDown(self):
        self.assertAlive()

    def login_raw(self, body, headers=None):
        h = {"Content-Type": FORM}
        h.update(headers or {})
        return self.con("POST", "/login", h, body)

    def assertClear(self, resp, allowed, what):
        s, h, b = resp
        self.assertIn(s, allowed, "%s: %d %r" % (what, s, b[:200]))
        self.assertIsNone(session_cookie(h)[0], "%s: a session cookie" % what)
        return s, h, b

    def test_ten_kilobyte_name(self):
        name = "a" * 10240
        # in the body of POST /login
        s, h, b = self.assertClear(post_login(self.srv, name, "password", "123456"),
                                   (400, 401, 413), "10 KB name")
        if s == 401:
            self.assertNotIn(name.encode(), b, "the 10 KB name is echoed")
        # just above the longest name (64) with valid characters
        s, h, b = self.assertClear(post_login(self.srv, "b" * 65, "password", "123456"),
                                   (401,), "65-character name")
        self.assertIsNotNone(Doc(b.decode("utf-8")).by_id("login-error"))
        # in the query, a header and a cookie
        self.assertClear(self.con("GET", "/login?name=" + name), (200, 400, 414, 431),
                         "10 KB query")
        self.assertClear(self.con("GET", "/", {"X-Name": name}), (303, 400, 431),
                         "10 KB header")
        self.assertClear(self.con("GET", "/", {"Cookie": "hl_session=" + name}),
                         (303, 400, 431), "10 KB cookie")
        self.assertClear(self.con("GET", "/api/v1/reports",
                                  {"Authorization": "Bearer hlk_" + "0" * 5000}),
                         (401, 400, 431), "5 KB key")

    def test_garbage_bytes(self):
        self.assertClear(self.login_raw(GARBAGE), (400, 401), "garbage form body")
        self.assertClear(self.login_raw(GARBAGE, {"Content-Type": "application/octet-stream"}),
                         (400, 401, 415), "garbage, octet-stream")
        self.assertClear(self.login_raw(b"name=" + GARBAGE.replace(b"&", b"").replace(b"=", b"")
                                        + b"&password=x&code=1"),
                         (400, 401), "garbage name")
        # with a session: no state change without the csrf
        sess = Hostile.sess
        s, _, _ = sess.post("/account/password", raw=GARBAGE)
        self.assertIn(s, (400, 403))
        s, _, _ = sess.post("/logout", raw=GARBAGE)
        self.assertIn(s, (400, 403))
        self.assertEqual(sess.get("/")[0], 200, "the session did not survive garbage")
        # garbage cookies and keys
        for cookie in ("hl_session=" + "\x7f\x01 ;;=", "hl_session=" + "f" * 64,
                       "hl_session=" + "0" * 63, "hl_session=%00%ff", "hl_session",
                       "hl_session=" + sess.token.upper()):
            with self.subTest(cookie=cookie):
                s, h, b = self.con("GET", "/", {"Cookie": cookie})
                self.assertIn(s, (303, 400), b[:200])
                if s == 303:
                    self.assertEqual(h.get("Location"), "/login")
        for auth in ("Bearer", "Bearer ", "Bearer hlk_", "Basic YTpi", "hlk_" + "0" * 64,
                     "Bearer " + sess.token, "Bearer hlk_" + "g" * 64):
            with self.subTest(auth=auth):
                s, _, b = self.con("GET", "/api/v1/reports", {"Authorization": auth})
                self.assertIn(s, (400, 401), b[:200])

    def test_two_megabyte_body(self):
        big = b"name=" + b"a" * (2 << 20)
        self.assertClear(self.login_raw(big), (413,), "2 MB body")
        self.assertClear(self.login_raw(big, {"Content-Type": "application/octet-stream"}),
                         (413,), "2 MB other type")
        s, _, _ = Hostile.sess.post("/account/password", raw=big)
        self.assertEqual(s, 413, "2 MB to /account/password")
        # the same without a Content-Length: chunked
        u = urllib.parse.urlsplit(self.srv.console)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        try:
            def chunks():
                for _ in range(32):
                    yield b"a" * 65536
            try:
                conn.request("POST", "/login", body=chunks(), encode_chunked=True,
                             headers={"Content-Type": FORM})
            except (BrokenPipeError, ConnectionResetError):
                pass
            try:
                resp = conn.getresponse()
                self.assertEqual(resp.status, 413, "2 MB chunked")
                resp.read()
            except (ConnectionResetError, http.client.RemoteDisconnected):
                self.fail("2 MB chunked body: connection dropped without an answer")
        finally:
            conn.close()

    def test_invalid_utf8(self):
        # percent-encoded and raw, in the name
        for body in (b"name=%FF%FEab&password=x&code=123456",
                     b"name=\xff\xfeab&password=x&code=123456",
                     b"name=ab%C3%28&password=x&code=123456",
                     b"name=%ED%A0%80&password=x&code=123456"):
            with self.subTest(body=body):
                s, h, b = self.assertClear(self.login_raw(body), (400, 401), "invalid UTF-8")
                b.decode("utf-8")   # the answer itself is valid UTF-8
        # in the password of a real account
        st = self.add_user("analyst", "u8")
        s, h, b = self.assertClear(
            self.login_raw(b"name=" + st.name.encode() + b"&password=%FF%FE&code="
                           + st.next_code().encode()), (400, 401), "invalid UTF-8 password")
        # a new password that is not UTF-8
        sess = Hostile.sess
        s, _, b = sess.post("/account/password",
                            raw=b"csrf=" + sess.csrf.encode()
                            + b"&password=%FF%FE%FDaaaaaaaaaaaa&confirm=%FF%FE%FDaaaaaaaaaaaa")
        self.assertIn(s, (400, 422), b[:200])
        # in queries
        s, _, b = sess.get("/?kind=%FF%FE&state=%C3%28")
        self.assertIn(s, (200, 400))
        b.decode("utf-8")
        s, _, b = sess.get("/api/v1/reports?limit=%FF")
        self.assertEqual(s, 422, b[:200])
        s, _, b = sess.get("/reports/%FF%FE%FD")
        self.assertEqual(s, 404, b[:200])

    def test_markup_in_name_is_escaped(self):
        name = '"><script>alert(1)</script>'
        s, _, b = self.assertClear(post_login(self.srv, name, "x", "123456"), (401,), "markup")
        self.assertNotIn(b"<script>alert(1)", b)
        s, _, b = Hostile.sess.get("/?kind=" + urllib.parse.quote('"><script>x</script>'))
        self.assertEqual(s, 200)
        self.assertNotIn(b"<script>x", b)

    def test_odd_methods_and_paths(self):
        for method, path in (("PUT", "/login"), ("DELETE", "/api/v1/reports"),
                             ("PATCH", "/account/password"), ("GET", "/logout")):
            with self.subTest(method=method, path=path):
                s, h, b = self.con(method, path, Hostile.sess.headers())
                self.assertEqual(s, 405, b[:200])
        for path in ("/static/../../../etc/passwd", "/static/%2e%2e/%2e%2e/etc/passwd",
                     "//etc/passwd", "/reports/../audit", "/reports/%2F..%2Faudit"):
            with self.subTest(path=path):
                s, h, b = self.con("GET", path, Hostile.sess.headers())
                self.assertIn(s, (400, 403, 404), b[:200])
                self.assertNotIn(b"root:", b)

    def test_many_failed_logins_of_unknown_names(self):
        # no account to lock: the answers stay quick and the same
        for i in range(10):
            s, _, _ = post_login(self.srv, "ghost_%d" % i, "x", "123456")
            self.assertEqual(s, 401)


if __name__ == "__main__":
    unittest.main()
