#!/usr/bin/env python3
"""CSRF (docs/CONSOLE.md, "The permission table"): every POST that changes
state carries the session's token in the form field `csrf`; without it,
with a wrong one or with another session's: 403, audited as csrf.refused,
and nothing changes."""

import os
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Doc  # noqa: E402
from test_console_common import ConsoleTestCase  # noqa: E402

OTHER_PASSWORD = "another long password 77"


class Csrf(ConsoleTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.a = cls.b = None

    def setUp(self):
        # two sessions of two accounts, shared by the tests of the class
        if Csrf.a is None:
            a = self.staff_session("analyst", "csrf_a")
            Csrf.b = self.staff_session("auditor", "csrf_b")
            Csrf.a = a

    def attempts(self, sess, extra):
        """(label, body) for the refused forms of a POST carrying EXTRA."""
        other = Csrf.b if sess is Csrf.a else Csrf.a
        self.assertNotEqual(sess.csrf, other.csrf, "two sessions share a token")
        wrong = ("0" if sess.csrf[0] != "0" else "1") + sess.csrf[1:]
        return [
            ("no csrf", dict(extra)),
            ("empty csrf", dict(extra, csrf="")),
            ("wrong csrf", dict(extra, csrf=wrong)),
            ("truncated csrf", dict(extra, csrf=sess.csrf[:-1])),
            ("longer csrf", dict(extra, csrf=sess.csrf + "0")),
            ("other session's csrf", dict(extra, csrf=other.csrf)),
        ]

    def check_refusals(self, path, extra):
        sess = Csrf.a
        before = len(self.audit(action="csrf.refused", actor=sess.staff.actor))
        cases = self.attempts(sess, extra)
        for label, fields in cases:
            s, h, b = sess.post(path, fields)
            self.assertEqual(s, 403, "POST %s, %s: %d %r" % (path, label, s, b[:200]))
            self.assertIsNone(h.get("Set-Cookie"), "POST %s, %s: Set-Cookie" % (path, label))
        refused = self.audit(action="csrf.refused", actor=sess.staff.actor)
        self.assertEqual(len(refused) - before, len(cases),
                         "POST %s: csrf.refused rows %r" % (path, refused))
        # the session still works: no logout happened
        self.assertEqual(sess.get("/")[0], 200, "session gone after refused POST %s" % path)

    def test_logout_needs_csrf(self):
        self.check_refusals("/logout", {})

    def test_password_needs_csrf(self):
        before = len(self.audit(action="user.password", object=Csrf.a.staff.name))
        self.check_refusals("/account/password",
                            {"password": OTHER_PASSWORD, "confirm": OTHER_PASSWORD})
        after = len(self.audit(action="user.password", object=Csrf.a.staff.name))
        self.assertEqual(after, before, "the password changed without a valid csrf")

    def test_csrf_in_query_or_json_is_not_enough(self):
        sess = Csrf.a
        q = urllib.parse.urlencode({"csrf": sess.csrf})
        s, _, b = sess.post("/logout?" + q, raw=b"")
        self.assertEqual(s, 403, "csrf in the query string: %r" % b[:200])
        s, _, b = sess.post("/logout", headers={"Content-Type": "application/json"},
                            raw=('{"csrf": "%s"}' % sess.csrf).encode())
        self.assertEqual(s, 403, "csrf in a JSON body: %r" % b[:200])
        s, _, b = sess.post("/logout", headers={"X-CSRF-Token": sess.csrf}, raw=b"")
        self.assertEqual(s, 403, "csrf in a header: %r" % b[:200])
        self.assertEqual(sess.get("/")[0], 200)

    def test_token_on_every_page(self):
        sess = Csrf.a
        for path in ("/", "/account/password"):
            s, _, b = sess.get(path)
            self.assertEqual(s, 200, path)
            doc = Doc(b.decode("utf-8"))
            forms = [n for n in doc.find_all("form") if n.get("method", "").lower() == "post"]
            self.assertTrue(forms, "%s: no POST form" % path)
            for f in forms:
                self.assertEqual(doc.field_value("csrf", within=f), sess.csrf,
                                 "%s: form %r lacks the session's csrf" % (path, f.get("action")))
        s, _, b = Csrf.b.get("/audit")
        self.assertEqual(s, 200)
        self.assertEqual(Doc(b.decode("utf-8")).field_value("csrf"), Csrf.b.csrf)

    def test_zz_valid_token_works(self):
        # last: changes the password, then logs out the second session
        sess = Csrf.b
        s, h, b = sess.post("/account/password", {"csrf": sess.csrf, "password": OTHER_PASSWORD,
                                                  "confirm": OTHER_PASSWORD})
        self.assertEqual(s, 303, b[:200])
        s, h, b = sess.post("/logout", {"csrf": sess.csrf})
        self.assertEqual(s, 303, b[:200])
        self.assertEqual(h.get("Location"), "/login")
        self.assertRedirect(sess.get("/audit"), "/login", "after logout")


if __name__ == "__main__":
    unittest.main()
