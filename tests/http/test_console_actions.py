#!/usr/bin/env python3
"""Report actions through the staff API and the console (docs/CONSOLE.md):
state changes only along the allowed transitions, classification values
from the scheme only, who may assign whom, the assignee filter of the
queue, and that each change is audited and refusals change nothing."""

import json
import os
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import hotline_bin, parse_json  # noqa: E402
from test_console_common import ConsoleTestCase  # noqa: E402

JSON = {"Content-Type": "application/json"}


class Actions(ConsoleTestCase):

    def report(self, kind="abuse_material"):
        body = {"kind": kind, "urls": ["https://example.org/actions"],
                "description": "A benign test description."}
        s, _, j = self.srv.api_report(body)
        self.assertEqual(s, 201, j)
        return j["number"]

    def setUp(self):
        self.name, self.key = self.add_apikey("analyst")
        self.sup_name, self.sup_key = self.add_apikey("supervisor")

    def act(self, number, action, body, key=None):
        s, h, b = self.con("POST", "/api/v1/reports/%s/%s" % (number, action),
                           dict(JSON, Authorization="Bearer " + (key or self.key)),
                           json.dumps(body).encode())
        return s, parse_json(b)

    def get(self, number, key=None):
        s, _, b = self.con("GET", "/api/v1/reports/" + number,
                           {"Authorization": "Bearer " + (key or self.key)})
        self.assertEqual(s, 200, b)
        return parse_json(b)

    def test_transitions(self):
        n = self.report()
        allowed = {"received": {"under_analysis", "closed"},
                   "under_analysis": {"forwarded", "closed", "received"},
                   "forwarded": {"under_analysis", "closed"},
                   "closed": {"under_analysis"}}
        path = ["under_analysis", "forwarded", "closed", "under_analysis", "received"]
        for to in path:
            state = self.get(n)["state"]
            for bad in {"received", "under_analysis", "forwarded", "closed"} - allowed[state] - {state}:
                s, j = self.act(n, "state", {"state": bad})
                self.assertEqual(s, 422, (state, bad, j))
                self.assertEqual(j["errors"][0]["code"], "transition")
                self.assertEqual(self.get(n)["state"], state, "a refused change changed the state")
            s, j = self.act(n, "state", {"state": to})
            self.assertEqual(s, 200, (state, to, j))
            self.assertEqual(self.get(n)["state"], to)
        s, j = self.act(n, "state", {"state": "archived"})
        self.assertEqual((s, j["errors"][0]["code"]), (422, "invalid"))
        s, j = self.act(n, "state", {"state": 3})
        self.assertEqual((s, j["errors"][0]["code"]), (422, "type"))
        rows = [r for r in self.audit(action="report.state") if r.get("object_id") == n]
        self.assertEqual([r["detail"] for r in rows], path)

    def test_classification_from_the_scheme(self):
        n = self.report()
        s, j = self.act(n, "classify", {"assessment": "illegal-ish"})
        self.assertEqual((s, j["errors"][0]["field"]), (422, "assessment"))
        s, j = self.act(n, "classify", {"sex": "female"})  # assessment is required
        self.assertEqual((s, j["errors"][0]["field"]), (422, "assessment"))
        self.assertIsNone(self.get(n)["classification"])
        s, j = self.act(n, "classify", {"assessment": "nationally_illegal", "age_group": "pubescent"})
        self.assertEqual(s, 200, j)
        c = self.get(n)["classification"]
        self.assertEqual((c["assessment"], c["age_group"], c["scheme"]),
                         ("nationally_illegal", "pubescent", "inhope"))

    def test_assign_and_the_assignee_filter(self):
        staff = self.add_user("analyst")
        other = self.add_user("case_worker")
        n1, n2 = self.report(), self.report()
        # an analyst's key may not assign someone else; a supervisor may
        s, j = self.act(n1, "assign", {"assignee": staff.name})
        self.assertEqual(s, 403, j)
        s, j = self.act(n1, "assign", {"assignee": staff.name}, key=self.sup_key)
        self.assertEqual(s, 200, j)
        s, j = self.act(n2, "assign", {"assignee": "nobody-" + staff.name}, key=self.sup_key)
        self.assertEqual((s, j["errors"][0]["code"]), (422, "invalid"))
        s, j = self.act(n2, "assign", {"assignee": other.name}, key=self.sup_key)
        self.assertEqual(s, 200, j)
        s, _, b = self.con("GET", "/api/v1/reports?assignee=" + staff.name,
                           {"Authorization": "Bearer " + self.key})
        self.assertEqual([r["number"] for r in parse_json(b)["reports"]], [n1])
        self.assertEqual(self.get(n1)["assignee"], staff.name)
        # in the console, "assigned to me"
        sess = self.staff_session("analyst")
        s, j = self.act(n2, "assign", {"assignee": ""}, key=self.sup_key)
        self.assertEqual(s, 200, j)
        s, _, page = sess.get("/?assignee=me")
        self.assertEqual(s, 200)
        self.assertNotIn(n1.encode(), page)
        self.assertNotIn(n2.encode(), page)

    def test_note_message_duplicate(self):
        n1, n2 = self.report(), self.report()
        s, j = self.act(n1, "note", {"text": ""})
        self.assertEqual((s, j["errors"][0]["code"]), (422, "required"))
        s, j = self.act(n1, "note", {"text": "x" * 10001})
        self.assertEqual((s, j["errors"][0]["code"]), (422, "too_long"))
        self.assertEqual(self.act(n1, "note", {"text": "Checked the page."})[0], 200)
        self.assertEqual(self.get(n1)["notes"][0]["text"], "Checked the page.")
        self.assertEqual(self.act(n1, "message", {"text": "Thank you."})[0], 200)
        s, _, b = self.srv.request("GET", "/api/v1/reports/%s/status" % n1)  # no secret: 404
        self.assertEqual(s, 404)
        self.assertEqual(self.get(n1)["message"], "Thank you.")
        s, j = self.act(n2, "duplicate", {"of": n2})
        self.assertEqual((s, j["errors"][0]["code"]), (422, "invalid"))
        self.assertEqual(self.act(n2, "duplicate", {"of": n1})[0], 200)
        self.assertEqual(self.get(n2)["duplicate_of"], n1)
        self.assertEqual(self.act(n2, "duplicate", {"of": ""})[0], 200)
        self.assertIsNone(self.get(n2)["duplicate_of"])

    def test_triage_sets_the_kind_and_the_rank(self):
        # an e-mail arrives as needs_triage; the analyst says what it is about
        msg = ("From: A Reporter <a.reporter@example.org>\r\nTo: report@example.org\r\n"
               "Subject: Please help\r\nMessage-ID: <triage-%d@example.org>\r\n"
               "Content-Type: text/plain; charset=utf-8\r\n\r\n"
               "A child I know is in danger right now.\r\n" % os.getpid()).encode()
        r = subprocess.run([hotline_bin(), "mail", "ingest", "--data", self.srv.data],
                           input=msg, capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        number = re.search(r"\d{3}-\d{3}-\d{3}", r.stdout.decode()).group(0)
        older = self.report()  # an ordinary report filed after it
        rep = self.get(number)
        self.assertEqual((rep["kind"], rep["channel"], rep["priority"]),
                         ("needs_triage", "email", 0))
        for body, code in (({}, "required"), ({"kind": "bogus"}, "invalid"),
                           ({"kind": 7}, "type")):
            s, j = self.act(number, "kind", body)
            self.assertEqual(s, 422, j)
            self.assertIn(code, [e["code"] for e in j["errors"]])
        self.assertEqual(self.get(number)["kind"], "needs_triage")
        s, j = self.act(number, "kind", {"kind": "immediate_danger"})
        self.assertEqual(s, 200, j)
        rep = self.get(number)
        self.assertEqual((rep["kind"], rep["priority"]), ("immediate_danger", 2))
        # the queue now ranks it before every ordinary report
        s, _, b = self.con("GET", "/api/v1/reports?kind=immediate_danger&limit=500",
                           {"Authorization": "Bearer " + self.key})
        self.assertIn(number, [x["number"] for x in parse_json(b)["reports"]])
        s, _, b = self.con("GET", "/api/v1/reports?limit=500",
                           {"Authorization": "Bearer " + self.key})
        order = [x["number"] for x in parse_json(b)["reports"]]
        self.assertLess(order.index(number), order.index(older))
        # and back: an exploitation report ranks by age again
        s, j = self.act(number, "kind", {"kind": "exploitation"})
        self.assertEqual(s, 200, j)
        self.assertEqual(self.get(number)["priority"], 0)
        s, _, b = self.con("GET", "/api/v1/reports?kind=exploitation&limit=500",
                           {"Authorization": "Bearer " + self.key})
        self.assertIn(number, [x["number"] for x in parse_json(b)["reports"]])
        self.assertTrue([a for a in self.audit(object=number) if a["action"] == "report.kind"])
        # from the console page too
        sess = self.staff_session("analyst")
        s, _, page = sess.get("/reports/" + number)
        self.assertIn('id="act-kind"', page.decode())
        resp = sess.post("/reports/%s/kind" % number, {"csrf": sess.csrf, "kind": "abuse_material"})
        self.assertEqual(resp[0], 303)
        self.assertEqual(self.get(number)["kind"], "abuse_material")

    def test_zz_tamper_with_the_sqlite3_shell(self):
        # last in the class: it breaks the chain on purpose
        import shutil
        import subprocess
        self.report()
        self.assertEqual(self.cli("audit", "verify").returncode, 0)
        shell = shutil.which("sqlite3")
        self.assertIsNotNone(shell, "the sqlite3 shell (Debian package sqlite3) is needed")
        rows = self.audit()
        target = rows[len(rows) // 2]["id"]
        r = subprocess.run([shell, self.srv.db_path,
                            "UPDATE audit_log SET detail = 'edited' WHERE id = %d" % target],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        v = self.cli("audit", "verify")
        self.assertEqual(v.returncode, 4, v.stdout + v.stderr)
        self.assertIn("row %d" % target, v.stderr)


if __name__ == "__main__":
    unittest.main()
