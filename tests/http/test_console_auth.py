#!/usr/bin/env python3
"""Console log-in (docs/CONSOLE.md, "Logging in"): the session cookie and
its attributes, identical failures, lockout and unlock, the one-time
password, logout and disabled accounts ending sessions server-side."""

import json
import os
import sqlite3
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Doc, parse_json  # noqa: E402
from test_console_common import (ConsoleTestCase, post_login, session_cookie,  # noqa: E402
                                 parse_set_cookie, set_cookies,
                                 totp, now_step, wrong_code, unique_name)


class CookieAndRedirects(ConsoleTestCase):
    """One account per login: each test keeps to its own."""

    def test_cookie_attributes_plain_http(self):
        staff = self.add_user("analyst")
        s, h, b = post_login(self.srv, staff.name, staff.password, staff.next_code())
        self.assertEqual(s, 303, b[:300])
        cookies = [c for c in set_cookies(h) if c.startswith("hl_session=")]
        self.assertEqual(len(cookies), 1, set_cookies(h))
        name, token, attrs = parse_set_cookie(cookies[0])
        self.assertRegex(token, r"^\S{16,}$", "no usable token")
        self.assertEqual(attrs.get("path"), "/", cookies[0])
        self.assertIs(attrs.get("httponly"), True, cookies[0])
        self.assertEqual(str(attrs.get("samesite", "")).lower(), "strict", cookies[0])
        self.assertNotIn("secure", attrs, "Secure on plain HTTP: " + cookies[0])
        # the token is not stored as is: nothing in the database holds it
        con = self.srv.db()
        try:
            for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'"):
                for row in con.execute('SELECT * FROM "%s"' % table):
                    for v in row:
                        if isinstance(v, bytes):
                            self.assertNotIn(token.encode(), v, table)
                        elif isinstance(v, str):
                            self.assertNotIn(token, v, table)
        finally:
            con.close()

    def test_cookie_secure_behind_tls(self):
        staff = self.add_user("analyst")
        s, h, b = post_login(self.srv, staff.name, staff.password, staff.next_code(),
                             {"X-Forwarded-Proto": "https"})
        self.assertEqual(s, 303, b[:300])
        token, attrs = session_cookie(h)
        self.assertTrue(token)
        self.assertIs(attrs.get("secure"), True, set_cookies(h))
        self.assertIs(attrs.get("httponly"), True)
        self.assertEqual(attrs.get("path"), "/")
        self.assertEqual(str(attrs.get("samesite", "")).lower(), "strict")

    def test_must_change_password(self):
        staff = self.add_user("case_worker")
        sess, h = self.login_as(staff)
        self.assertEqual(h.get("Location"), "/account/password",
                         "first login must lead to the password page")
        # until the one-time password is replaced, the console sends there
        for path in ("/", "/reports/123-456-789"):
            self.assertRedirect(sess.get(path), "/account/password", "GET " + path)
        s, h, b = sess.get("/account/password")
        self.assertEqual(s, 200)
        doc = Doc(b.decode("utf-8"))
        self.assertIsNotNone(doc.field_value("password"))
        self.assertIsNotNone(doc.field_value("confirm"))
        # refused choices: 422, and the one-time password stays in force
        for pw, confirm in (("short", "short"), ("eleven char", "eleven char"),
                            ("long enough password", "long enough passw0rd"),
                            ("", "")):
            s, _, b = sess.post("/account/password",
                                {"csrf": sess.csrf, "password": pw, "confirm": confirm})
            self.assertEqual(s, 422, "%r/%r: %r" % (pw, confirm, b[:200]))
        self.assertRedirect(sess.get("/"), "/account/password", "still must change")
        # 12 characters is enough
        self.change_password(sess, "twelve chars")
        s, _, b = sess.get("/")
        self.assertEqual(s, 200, b[:200])
        changed = self.audit(action="user.password", object=staff.name)
        self.assertEqual(len(changed), 1, changed)
        # the new password logs in straight to the queue; the old one no more
        s, h, b = post_login(self.srv, staff.name, staff.password, staff.next_code())
        self.assertEqual(s, 303, b[:300])
        self.assertEqual(h.get("Location"), "/")
        self.assertTrue(session_cookie(h)[0])

    def test_password_length_in_characters(self):
        # "at least 12 characters": 11 characters are too few, even in 22 bytes
        staff = self.add_user("analyst", "len")
        sess, _ = self.login_as(staff)
        pw = "\u00e9" * 11
        s, _, b = sess.post("/account/password", {"csrf": sess.csrf, "password": pw,
                                                  "confirm": pw})
        self.assertEqual(s, 422, "11 characters (22 bytes) accepted")

    def test_password_twelve_characters_non_ascii(self):
        staff = self.add_user("analyst", "len")
        sess, _ = self.login_as(staff)
        self.change_password(sess, "\u20ac" * 12)
        s, h, b = post_login(self.srv, staff.name, staff.password, staff.next_code())
        self.assertEqual(s, 303, b[:200])
        self.assertEqual(h.get("Location"), "/")

    def test_first_page_per_role(self):
        # CONSOLE.md: POST /login answers 303 to the role's first page once
        # the one-time password is replaced; /account/password 303 there too
        first = {"analyst": "/", "case_worker": "/", "supervisor": "/", "operator": "/calls",
                 "auditor": "/audit", "admin": "/admin/users"}
        after_change = {}
        for role, page in first.items():
            staff = self.add_user(role, "first")
            sess, h = self.login_as(staff)
            self.assertEqual(h.get("Location"), "/account/password", role)
            after_change[role] = self.change_password(sess)
            s, h, b = post_login(self.srv, staff.name, staff.password, staff.next_code())
            with self.subTest("login of " + role):
                self.assertEqual(s, 303, b[:200])
                self.assertEqual(h.get("Location"), page, role)
            with self.subTest("first page of " + role):
                token, _ = session_cookie(h)
                s, _, _ = self.con("GET", page, {"Cookie": "hl_session=" + token})
                self.assertEqual(s, 200, "%s on %s" % (role, page))
        for role, loc in after_change.items():
            with self.subTest("password change of " + role):
                self.assertEqual(loc, first[role], "303 after a password change (%s)" % role)

    def test_old_password_refused_after_change(self):
        staff = self.add_user("analyst")
        one_time = staff.password
        sess, _ = self.login_as(staff)
        self.change_password(sess)
        s, h, b = post_login(self.srv, staff.name, one_time, totp(staff.secret, now_step() + 1))
        self.assertEqual(s, 401, b[:300])
        self.assertIsNone(session_cookie(h)[0])

    def test_logout_ends_session(self):
        sess = self.staff_session("analyst")
        self.assertEqual(sess.get("/")[0], 200)
        token = sess.token
        s, h, b = sess.post("/logout", {"csrf": sess.csrf})
        self.assertEqual(s, 303, b[:300])
        self.assertEqual(h.get("Location"), "/login")
        # the cookie is cleared in the browser...
        value, attrs = session_cookie(h)
        self.assertIsNotNone(value, "logout does not clear the cookie")
        cleared = value == "" or attrs.get("max-age") == "0" or "expires" in attrs
        self.assertTrue(cleared, set_cookies(h))
        # ...and the old token is dead on the server
        sess.token = token
        self.assertRedirect(sess.get("/"), "/login", "old cookie after logout")
        self.assertRedirect(sess.get("/account/password"), "/login", "old cookie after logout")
        self.assertJsonError(sess.get("/api/v1/reports"), 401, "auth.required", "API after logout")
        self.assertTrue(self.audit(action="logout", actor=sess.staff.actor))

    def test_disabled_account_session_stops(self):
        sess = self.staff_session("supervisor")
        self.assertEqual(sess.get("/")[0], 200)
        self.assertEqual(sess.get("/api/v1/reports")[0], 200)
        r = self.cli("user", "disable", sess.staff.name)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRedirect(sess.get("/"), "/login", "session of a disabled account")
        self.assertJsonError(sess.get("/api/v1/reports"), 401, "auth.required", "disabled, API")
        # enabling again does not bring the old session back
        r = self.cli("user", "enable", sess.staff.name)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRedirect(sess.get("/"), "/login", "session after disable and enable")

    def test_reset_ends_session(self):
        sess = self.staff_session("analyst")
        self.assertEqual(sess.get("/")[0], 200)
        r = self.cli("user", "reset", sess.staff.name, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRedirect(sess.get("/"), "/login", "session after reset")

    def test_login_form(self):
        s, h, b = self.con("GET", "/login")
        self.assertEqual(s, 200)
        doc = Doc(b.decode("utf-8"))
        for field in ("name", "password", "code"):
            self.assertIsNotNone(doc.field_value(field), "no field " + field)
        self.assertIsNone(doc.by_id("login-error"))
        self.assertEqual(set_cookies(h), [], "GET /login sets a cookie")


class LoginFailures(ConsoleTestCase):

    def failed(self, name, password, code, what):
        s, h, b = post_login(self.srv, name, password, code)
        self.assertEqual(s, 401, "%s: %r" % (what, b[:300]))
        self.assertIsNone(session_cookie(h)[0], "%s: a session cookie" % what)
        text = b.decode("utf-8")
        doc = Doc(text)
        self.assertIsNotNone(doc.by_id("login-error"), "%s: no #login-error" % what)
        self.assertEqual(doc.field_value("name"), name, "%s: name not kept" % what)
        self.assertFalse(doc.field_value("password"), "%s: password echoed" % what)
        return text.replace(name, "NAME")

    def test_failures_look_the_same(self):
        bodies = {}
        # wrong password
        st = self.add_user("analyst", "wp")
        bodies["wrong password"] = self.failed(st.name, st.password + "x", st.next_code(),
                                               "wrong password")
        # wrong code
        st = self.add_user("analyst", "wc")
        bodies["wrong code"] = self.failed(st.name, st.password, wrong_code(st.secret),
                                           "wrong code")
        # a code used once already
        st = self.add_user("analyst", "rc")
        code = st.next_code()
        s, h, b = post_login(self.srv, st.name, st.password, code)
        self.assertEqual(s, 303, b[:300])
        bodies["reused code"] = self.failed(st.name, st.password, code, "reused code")
        # unknown name
        ghost = unique_name("nobody")
        bodies["unknown name"] = self.failed(ghost, "some password", "123456", "unknown name")
        # disabled account, right password and code
        st = self.add_user("analyst", "dis")
        r = self.cli("user", "disable", st.name)
        self.assertEqual(r.returncode, 0, r.stderr)
        bodies["disabled"] = self.failed(st.name, st.password, st.next_code(), "disabled")
        first = bodies["wrong password"]
        for what, body in bodies.items():
            self.assertEqual(body, first, "the answer for %s differs from a wrong password" % what)
        fails = self.audit(action="login.failed")
        self.assertGreaterEqual(len(fails), 5, fails)

    def test_code_forms(self):
        st = self.add_user("analyst", "cf")
        for code in ("", "12345", "1234567", "abcdef", totp(st.secret, now_step() + 3)):
            self.failed(st.name, st.password, code, "code %r" % code)
            r = self.cli("user", "unlock", st.name)  # keep the count of failures low
            self.assertEqual(r.returncode, 0, r.stderr)

    def test_code_window(self):
        # one step either side of now is accepted, two steps are not
        while int(time.time()) % 30 > 25:
            time.sleep(1)   # keep away from a step boundary
        step = now_step()
        for d in (-2, 2):
            st = self.add_user("analyst", "win")
            self.failed(st.name, st.password, totp(st.secret, step + d), "step %+d" % d)
        for d in (-1, 1):
            st = self.add_user("analyst", "win")
            s, h, b = post_login(self.srv, st.name, st.password, totp(st.secret, step + d))
            self.assertEqual(s, 303, "step %+d: %d %r" % (d, s, b[:200]))
            self.assertTrue(session_cookie(h)[0])

    def test_failures_in_a_row(self):
        # a success in between starts the count again: 4 + 4 failures, no lock
        st = self.add_user("analyst", "row")
        for round_ in range(2):
            for i in range(4):
                self.failed(st.name, "wrong %d" % i, "000000", "failure %d" % (i + 1))
            if round_ == 0:
                s, _, b = post_login(self.srv, st.name, st.password, st.next_code())
                self.assertEqual(s, 303, b[:200])
        users = {u["name"]: u for u in json.loads(self.cli("user", "list", "--json").stdout)}
        self.assertEqual(users[st.name]["state"], "active")
        s, _, b = post_login(self.srv, st.name, st.password, st.next_code())
        self.assertEqual(s, 303, "4 failures after a success locked the account: %r" % b[:200])

    def test_lockout_and_unlock(self):
        st = self.add_user("analyst", "lock")
        times = []
        for i in range(5):
            t0 = time.monotonic()
            self.failed(st.name, "not the password %d" % i, st.next_code(), "failure %d" % (i + 1))
            times.append(time.monotonic() - t0)
            st.last_step = 0  # failed logins do not use up a code
        # from the second failure on, each answer waits longer
        self.assertGreaterEqual(times[3], 0.7, times)
        self.assertLessEqual(max(times), 2.0 + 5, times)
        users = {u["name"]: u for u in parse_json(self.cli("user", "list", "--json").stdout.encode())}
        self.assertEqual(users[st.name]["state"], "locked", users[st.name])
        self.assertTrue(self.audit(action="user.locked", object=st.name))
        # locked: even the right password and code fail, with the same page
        body = self.failed(st.name, st.password, st.next_code(), "locked")
        other = self.add_user("analyst", "lockref")
        ref = self.failed(other.name, "wrong", other.next_code(), "reference")
        self.assertEqual(body.replace(st.name, "NAME"), ref.replace(other.name, "NAME"))
        # unlock restores log-in
        r = self.cli("user", "unlock", st.name)
        self.assertEqual(r.returncode, 0, r.stderr)
        users = {u["name"]: u for u in parse_json(self.cli("user", "list", "--json").stdout.encode())}
        self.assertEqual(users[st.name]["state"], "active")
        st.last_step = 0
        s, h, b = post_login(self.srv, st.name, st.password, st.next_code())
        self.assertEqual(s, 303, b[:300])
        self.assertTrue(session_cookie(h)[0])
        r = self.cli("user", "unlock", "no_such_user_here")
        self.assertEqual(r.returncode, 3, r.stderr)

    def test_session_of_locked_account_stops(self):
        st = self.add_user("analyst", "lk2")
        sess, _ = self.login_as(st)
        self.change_password(sess)
        self.assertEqual(sess.get("/")[0], 200)
        for i in range(5):
            self.failed(st.name, "bad %d" % i, "000000", "failure %d" % (i + 1))
        self.assertRedirect(sess.get("/"), "/login", "session of a locked account")

    def test_wrong_content_type(self):
        st = self.add_user("analyst", "ct")
        s, h, b = self.con("POST", "/login", {"Content-Type": "application/json"},
                           '{"name": "%s", "password": "%s", "code": "%s"}'
                           % (st.name, st.password, st.next_code()))
        self.assertIn(s, (400, 415), b[:200])
        self.assertIsNone(session_cookie(h)[0])


class SessionLifetime(ConsoleTestCase):
    """Idle and total lifetime. The clock cannot be moved, so the session's
    times are moved back in the database (table sessions, unix seconds)."""

    def age(self, staff, **cols):
        con = sqlite3.connect(self.srv.db_path, timeout=10)
        try:
            uid = con.execute("SELECT id FROM users WHERE name=?", (staff.name,)).fetchone()[0]
            now = int(time.time())
            for col, back in cols.items():
                con.execute("UPDATE sessions SET %s=? WHERE user_id=?" % col, (now - back, uid))
            con.commit()
        finally:
            con.close()

    def test_idle_30_minutes(self):
        sess = self.staff_session("analyst", "idle")
        self.age(sess.staff, last_seen_at=25 * 60)
        self.assertEqual(sess.get("/")[0], 200, "ended after 25 idle minutes")
        self.age(sess.staff, last_seen_at=30 * 60 + 5)
        self.assertRedirect(sess.get("/"), "/login", "after 30 idle minutes")
        # and it stays ended even when used again at once
        self.assertRedirect(sess.get("/"), "/login", "after 30 idle minutes, again")

    def test_twelve_hours_in_all(self):
        sess = self.staff_session("analyst", "old")
        self.age(sess.staff, created_at=11 * 3600, last_seen_at=60)
        self.assertEqual(sess.get("/")[0], 200, "ended after 11 hours")
        self.age(sess.staff, created_at=12 * 3600 + 5, last_seen_at=60)
        self.assertRedirect(sess.get("/"), "/login", "after 12 hours")
        self.assertJsonError(sess.get("/api/v1/reports"), 401, "auth.required", "after 12 hours")


class AccountsCli(ConsoleTestCase):
    """`hotline user` as CONSOLE.md describes it, on a running server."""

    def test_add_output(self):
        name = unique_name("cli")
        r = self.cli("user", "add", name, "--role", "auditor", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        j = json.loads(r.stdout)
        self.assertEqual(set(j), {"name", "role", "password", "totp_secret", "totp_uri"})
        self.assertRegex(j["totp_secret"], r"^[A-Z2-7]+=*$")
        self.assertRegex(j["totp_uri"], r"^otpauth://totp/[^:?]+:%s\?" % name)
        for part in ("secret=" + j["totp_secret"], "issuer=", "algorithm=SHA1", "digits=6",
                     "period=30"):
            self.assertIn(part, j["totp_uri"])
        r = self.cli("user", "add", name, "--role", "analyst", "--json")
        self.assertEqual(r.returncode, 4, "name taken: " + r.stderr)
        users = json.loads(self.cli("user", "list", "--json").stdout)
        mine = [u for u in users if u["name"] == name]
        self.assertEqual(len(mine), 1)
        self.assertEqual(set(mine[0]), {"name", "role", "state", "created_at"})
        self.assertEqual((mine[0]["role"], mine[0]["state"]), ("auditor", "active"))
        self.cli("user", "disable", name)
        users = json.loads(self.cli("user", "list", "--json").stdout)
        self.assertEqual([u["state"] for u in users if u["name"] == name], ["disabled"])

    def test_reset_output(self):
        st = self.add_user("analyst", "rst")
        r = self.cli("user", "reset", st.name, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        j = json.loads(r.stdout)
        self.assertEqual(j["name"], st.name)
        self.assertNotEqual(j["password"], st.password)
        self.assertNotEqual(j["totp_secret"], st.secret)
        self.assertIn("secret=" + j["totp_secret"], j["totp_uri"])
        # the new credentials log in, must change the password again
        st.password, st.secret, st.last_step = j["password"], j["totp_secret"], 0
        sess, h = self.login_as(st)
        self.assertEqual(h.get("Location"), "/account/password")
        # CONSOLE.md: `role` absent on reset
        self.assertNotIn("role", j, "user reset --json carries role")

    def test_keys_stored_hashed(self):
        name, key = self.add_apikey("analyst", "stored")
        con = self.srv.db()
        try:
            for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'"):
                for row in con.execute('SELECT * FROM "%s"' % table):
                    for v in row:
                        if isinstance(v, (bytes, str)):
                            self.assertNotIn(key[4:], v if isinstance(v, str) else v.hex(),
                                             "the key is stored in " + table)
        finally:
            con.close()

    def test_bad_arguments(self):
        for args in (("user", "add", unique_name("x"), "--role", "janitor"),
                     ("user", "add", "bad name", "--role", "analyst"),
                     ("user", "add", "a" * 65, "--role", "analyst"),
                     ("user", "add", "", "--role", "analyst"),
                     ("user", "add", "semi;colon", "--role", "analyst")):
            with self.subTest(args=args):
                r = self.cli(*args)
                self.assertEqual(r.returncode, 1, r.stderr)
        r = self.cli("user", "add", "a" * 64, "--role", "analyst", "--json")
        self.assertEqual(r.returncode, 0, "64 characters: " + r.stderr)
        r = self.cli("user", "add", "Ok.name_-@x", "--role", "analyst", "--json")
        self.assertEqual(r.returncode, 0, "all allowed characters: " + r.stderr)
        for sub in ("disable", "enable", "reset", "unlock"):
            with self.subTest(sub=sub):
                r = self.cli("user", sub, "no_such_account")
                self.assertEqual(r.returncode, 3, r.stderr)
        r = self.cli("apikey", "revoke", "no_such_key")
        self.assertEqual(r.returncode, 3, r.stderr)


if __name__ == "__main__":
    unittest.main()
