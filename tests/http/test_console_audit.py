#!/usr/bin/env python3
"""The audit log (docs/CONSOLE.md, "Audit chain" and "Pages"): console
activity lands in it, the auditor's page shows and filters it 200 rows a
page, `hotline audit verify` holds after all that and names the first row
that was changed, removed or inserted."""

import os
import shutil
import sqlite3
import sys
import tempfile
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Doc, run_cli  # noqa: E402
from test_console_common import ConsoleTestCase, post_login, wrong_code  # noqa: E402

CONTACT = {"name": "Sam Audited", "email": "sam@audit.example", "may_contact": True}
READS = 230   # API reads, so that the log is longer than one page (200 rows)


def audit_table(doc):
    """[(id, [cell texts])] of the #audit table's body rows."""
    table = doc.by_id("audit")
    if table is None:
        raise AssertionError("no #audit table")
    rows = []
    for tr in [n for n in doc.descendants(table) if n.tag == "tr"]:
        cells = [" ".join(n.text.split()) for n in doc.descendants(tr) if n.tag == "td"]
        if cells:
            rows.append((int(cells[0]), cells))
    return rows


class AuditLog(ConsoleTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ready = False

    def setUp(self):
        if AuditLog.ready:
            return
        c = AuditLog
        c.counts = {}
        c.number = self.file_report({"kind": "abuse_material", "urls": ["https://example.org/z"],
                                     "contact": CONTACT})[0]
        c.analyst = self.staff_session("analyst", "al")
        c.case_worker = self.staff_session("case_worker", "al")
        c.auditor = self.staff_session("auditor", "al")
        c.key_name, c.key = self.add_apikey("supervisor", "al")
        # a failed log-in, a lock, an unlock
        c.victim = self.add_user("analyst", "victim")
        s, _, _ = post_login(self.srv, c.victim.name, "wrong password", wrong_code(c.victim.secret))
        self.assertEqual(s, 401)
        for i in range(4):
            post_login(self.srv, c.victim.name, "wrong %d" % i, "000000")
        self.assertEqual(self.cli("user", "unlock", c.victim.name).returncode, 0)
        # reads, an unsealing, a refusal, a CSRF refusal
        self.assertEqual(c.analyst.get("/reports/" + c.number)[0], 200)
        self.assertEqual(c.case_worker.get("/reports/%s?contact=1" % c.number)[0], 200)
        self.assertEqual(c.analyst.get("/audit")[0], 403)
        self.assertEqual(c.analyst.post("/logout", {})[0], 403)
        for _ in range(READS):
            s, _, _ = self.con("GET", "/api/v1/reports/" + c.number,
                               {"Authorization": "Bearer " + c.key})
            self.assertEqual(s, 200)
        # account and key changes
        other = self.add_user("operator", "chg")
        for args in (("user", "disable", other.name), ("user", "enable", other.name),
                     ("user", "reset", other.name), ("apikey", "revoke", c.key_name)):
            r = self.cli(*args)
            self.assertEqual(r.returncode, 0, "%r: %s" % (args, r.stderr))
        c.other = other
        AuditLog.ready = True

    def verify(self, data=None):
        return run_cli(["audit", "verify", "--data", data or self.srv.data])

    def assertBrokenAt(self, r, row, what):
        self.assertEqual(r.returncode, 4, "%s: exit %d\n%s%s" % (what, r.returncode, r.stdout,
                                                                r.stderr))
        self.assertIn("broken at row %d" % row, r.stdout + r.stderr, what)
        self.assertRegex(r.stderr, r"\b%d\b" % row, "%s: stderr does not name row %d: %r"
                         % (what, row, r.stderr))

    # ---- what is in the log
    def test_activity_is_audited(self):
        c = AuditLog
        rows = self.audit()
        ids = [r["id"] for r in rows]
        self.assertEqual(ids, list(range(1, len(rows) + 1)), "ids are not consecutive from 1")
        for r in rows:
            self.assertTrue({"id", "at", "actor", "action"} <= set(r), r)

        def has(pred, what):
            self.assertTrue([r for r in rows if pred(r)], "not audited: " + what)

        def mentions(r, name):
            return name in (r.get("actor") or "") or name == r.get("object_id")

        has(lambda r: r["action"] == "report.read" and r["actor"] == c.analyst.staff.actor
            and r.get("object_id") == c.number, "the analyst's report read")
        has(lambda r: r["action"] == "contact.unseal" and r["actor"] == c.case_worker.staff.actor
            and r.get("object_id") == c.number, "the unsealing")
        has(lambda r: r["action"] == "access.denied" and r["actor"] == c.analyst.staff.actor,
            "the refused /audit")
        has(lambda r: r["action"] == "csrf.refused" and r["actor"] == c.analyst.staff.actor,
            "the CSRF refusal")
        api_reads = [r for r in rows if r["action"] == "report.read"
                     and r["actor"] == "apikey:" + c.key_name]
        self.assertEqual(len(api_reads), READS)
        # logins, failed logins, lock and unlock, password changes: rows about
        # the account, whatever their action names
        for staff in (c.analyst.staff, c.case_worker.staff, c.auditor.staff):
            about = [r for r in rows if mentions(r, staff.name)]
            # add, login, password change at least
            self.assertGreaterEqual(len(about), 3, "%s: %r" % (staff.name, about))
        about = [r for r in rows if mentions(r, c.victim.name)]
        # add, 5 failures, lock, unlock
        self.assertGreaterEqual(len(about), 8, about)
        about = [r for r in rows if mentions(r, c.other.name)]
        self.assertGreaterEqual(len(about), 4, about)   # add, disable, enable, reset
        self.assertGreaterEqual(len([r for r in rows if mentions(r, c.key_name)]), 2)
        # no password, TOTP secret or key in the log
        flat = repr(rows)
        self.assertNotIn(c.victim.password, flat)
        self.assertNotIn(c.victim.secret, flat)
        self.assertNotIn(c.key, flat)
        self.assertNotIn(CONTACT["email"], flat)

    def test_cli_filters(self):
        c = AuditLog
        rows = self.audit(action="contact.unseal")
        self.assertTrue(rows)
        self.assertTrue(all(r["action"] == "contact.unseal" for r in rows))
        rows = self.audit(actor=c.analyst.staff.actor)
        self.assertTrue(rows and all(r["actor"] == c.analyst.staff.actor for r in rows))
        rows = self.audit(object=c.number, limit=5)
        self.assertEqual(len(rows), 5)
        self.assertTrue(all(r.get("object_id") == c.number for r in rows))
        first = self.audit(limit=10)
        after = self.audit(after=5, limit=3)
        self.assertEqual([r["id"] for r in after], [6, 7, 8])
        self.assertEqual(first[5:8], after)

    # ---- the auditor's page
    def test_audit_page_pages_of_200(self):
        c = AuditLog
        total = len(self.audit())
        s, _, b = c.auditor.get("/audit")
        self.assertEqual(s, 200, b[:300])
        doc = Doc(b.decode("utf-8"))
        rows = audit_table(doc)
        self.assertEqual(len(rows), 200)
        self.assertEqual([r[0] for r in rows], list(range(1, 201)))
        nxt = doc.find("a", rel="next")
        self.assertIsNotNone(nxt, "no next link with more than 200 rows")
        s, _, b = c.auditor.get(nxt.get("href"))
        self.assertEqual(s, 200)
        doc2 = Doc(b.decode("utf-8"))
        rows2 = audit_table(doc2)
        self.assertTrue(rows2)
        self.assertEqual(rows2[0][0], 201)
        self.assertGreaterEqual(rows2[-1][0], total)  # the first read is in there too
        ids = [r[0] for r in rows2]
        self.assertEqual(ids, list(range(201, 201 + len(ids))))

    def test_audit_page_filters_and_is_audited(self):
        c = AuditLog
        before = len(self.audit(actor=c.auditor.staff.actor))
        checks = {"actor": c.case_worker.staff.actor, "action": "contact.unseal",
                  "object": c.number}
        for field, value in checks.items():
            with self.subTest(field):
                s, _, b = c.auditor.get("/audit?" + urllib.parse.urlencode({field: value}))
                self.assertEqual(s, 200)
                doc = Doc(b.decode("utf-8"))
                self.assertEqual(doc.field_value(field), value, "filter not kept in the form")
                rows = audit_table(doc)
                self.assertTrue(rows, "%s=%s: no rows" % (field, value))
                for _, cells in rows:
                    self.assertIn(value, " ".join(cells[1:]), cells)
        s, _, b = c.auditor.get("/audit?action=no.such.action")
        self.assertEqual(audit_table(Doc(b.decode("utf-8"))), [])
        after = self.audit(actor=c.auditor.staff.actor)
        self.assertEqual(len(after) - before, len(checks) + 1, "reading /audit is not audited")

    def test_audit_page_escapes(self):
        c = AuditLog
        s, _, b = c.auditor.get("/audit?" + urllib.parse.urlencode(
            {"actor": '"><script>alert(1)</script>'}))
        self.assertEqual(s, 200)
        self.assertNotIn(b"<script>alert(1)", b)

    # ---- the chain
    def test_z_chain(self):
        # last in the class: after all the activity above
        r = self.verify()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        total = len(self.audit())
        self.assertGreater(total, READS)

        # copies of the data folder, for edits that must not mix
        def copy():
            dst = os.path.join(tempfile.mkdtemp(prefix="hotline-audit-"), "var")
            self.addCleanup(shutil.rmtree, os.path.dirname(dst), True)
            shutil.copytree(self.srv.data, dst,
                            ignore=shutil.ignore_patterns("hotline.db*"))
            src = sqlite3.connect(self.srv.db_path, timeout=10)
            out = sqlite3.connect(os.path.join(dst, "hotline.db"))
            src.backup(out)
            src.close()
            out.close()
            r = self.verify(dst)
            self.assertEqual(r.returncode, 0, "copy: " + r.stderr)
            return dst

        def edit(data, sql, *args):
            con = sqlite3.connect(os.path.join(data, "hotline.db"), timeout=10)
            try:
                con.execute(sql, args)
                con.commit()
            finally:
                con.close()

        # a row removed from the middle: the next one is named
        d = copy()
        edit(d, "DELETE FROM audit_log WHERE id=?", 10)
        self.assertBrokenAt(self.verify(d), 11, "row 10 removed")
        # a row added at the end with a made-up hash
        d = copy()
        edit(d, "INSERT INTO audit_log (id, at, actor, action, object_type, object_id, detail,"
                " prev_hash, hash) SELECT id + 1, at, actor, action, object_type, object_id,"
                " detail, hash, hash FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)")
        self.assertBrokenAt(self.verify(d), total + 1, "row inserted")
        # a row's action changed
        d = copy()
        edit(d, "UPDATE audit_log SET action='report.list' WHERE id=?", 100)
        self.assertBrokenAt(self.verify(d), 100, "row 100 changed")
        # the last row changed
        d = copy()
        edit(d, "UPDATE audit_log SET actor='cli' WHERE id=(SELECT max(id) FROM audit_log)")
        self.assertBrokenAt(self.verify(d), total, "last row changed")

        # and on the live data: change row 2, then remove it
        edit(self.srv.data, "UPDATE audit_log SET detail='x' WHERE id=2")
        self.assertBrokenAt(self.verify(), 2, "row 2 changed")
        edit(self.srv.data, "DELETE FROM audit_log WHERE id=2")
        self.assertBrokenAt(self.verify(), 3, "row 2 removed")
        self.assertAlive()


if __name__ == "__main__":
    unittest.main()
