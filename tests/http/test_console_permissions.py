#!/usr/bin/env python3
"""The permission walk (docs/CONSOLE.md, "The permission table"): every
route of the table, asked with no session, with a session of every role and
(API routes) with an API key of every role; and the console's routes exist
only on the console listener, the public ones only on the public one."""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import SIMPLE_REPORT, Doc, parse_json  # noqa: E402
from test_console_common import ConsoleTestCase, ROLES, FORM, form_body  # noqa: E402

ANYONE = "anyone"        # no session needed
ANY_ROLE = "any role"    # any logged-in account
CASEWORK = ("analyst", "case_worker", "supervisor")
CASES = ("case_worker", "supervisor")
CALLS = ("operator", "supervisor")
ITEMWORK = ("analyst", "supervisor")
DIRECTORY = ("supervisor", "admin")
# an item's actions, in the console and the API alike, each with a value its
# handler refuses
ITEM_ACTIONS = [("assess", {"outcome": "bogus"}), ("removed", {"at": "bogus"}),
                ("reappeared", {"at": "bogus"}), ("hosting", {"country": "bogus"}),
                ("notify", {}), ("remind", {})]

# The table of CONSOLE.md, once, as data:
#   method, path, who, API route?, what to send, what the handler answers
# once the gate lets the request through. What is sent to a POST is refused
# by its handler (an empty or unknown value: 422, or 404 for no such
# account) or changes nothing, so walking the table leaves the data as it
# was; a 403 or a 303 to /login can then only come from the gate.
TABLE = [
    ("GET", "/healthz", ANYONE, False, None, 200),
    ("GET", "/static/style.css", ANYONE, False, None, 200),
    ("GET", "/login", ANYONE, False, None, 200),
    ("GET", "/api/v1/openapi.json", ANYONE, True, None, 200),
    ("POST", "/login", ANYONE, False, {"name": "", "password": "", "code": ""}, 401),
    ("GET", "/account/password", ANY_ROLE, False, None, 200),
    ("POST", "/account/password", ANY_ROLE, False, {"password": "short", "confirm": "short"}, 422),
    ("GET", "/", CASEWORK, False, None, 200),
    # an operator may open the reports of their own calls only: the report
    # walked here came through the public API (see OWN_ONLY)
    ("GET", "/reports/{number}", CASEWORK, False, None, 200),
    ("GET", "/calls", CALLS, False, None, 200),
    ("GET", "/calls/new", CALLS, False, None, 200),
    ("GET", "/cases", CASES, False, None, 200),
    ("GET", "/cases/{case}", CASES, False, None, 200),
    ("POST", "/cases", CASES, False, {"title": ""}, 422),
    ("POST", "/cases/{case}/link", CASES, False, {"report": ""}, 422),
    ("POST", "/cases/{case}/note", CASES, False, {"text": ""}, 422),
    ("POST", "/cases/{case}/task", CASES, False, {"text": "", "due_on": ""}, 422),
    ("POST", "/cases/{case}/task_done", CASES, False, {"entry": ""}, 422),
    ("POST", "/cases/{case}/referral", CASES, False, {"to_type": ""}, 422),
    ("POST", "/cases/{case}/outcome", CASES, False, {"entry": ""}, 422),
    ("POST", "/cases/{case}/hearing", CASES, False, {"due_on": ""}, 422),
    ("POST", "/cases/{case}/state", CASES, False, {"state": ""}, 422),
    ("POST", "/cases/{case}/owner", CASES, False, {"owner": ""}, 422),
    ("POST", "/cases/{case}/civil_party", CASES, False, {"civil_party": "x"}, 422),
    ("POST", "/calls", CALLS, False, {"description": ""}, 422),
    ("GET", "/audit", ("auditor",), False, None, 200),
    ("GET", "/admin/users", ("admin",), False, None, 200),
    ("POST", "/admin/users", ("admin",), False, {"name": "", "role": ""}, 422),
    ("POST", "/admin/users/reset", ("admin",), False, {"name": ""}, (404, 422)),
    ("POST", "/admin/users/disable", ("admin",), False, {"name": ""}, (404, 422)),
    ("POST", "/admin/users/enable", ("admin",), False, {"name": ""}, (404, 422)),
    ("POST", "/admin/users/unlock", ("admin",), False, {"name": ""}, (404, 422)),
    # assign: analysts and case workers may assign only themselves, so
    # naming another account is refused with 403 by the rule, not the table;
    # unassigning a report no one has is allowed to all three and a no-op
    ("POST", "/reports/{number}/assign", CASEWORK, False, {"assignee": ""}, (303,)),
    ("POST", "/reports/{number}/state", CASEWORK, False, {"state": "bogus"}, 422),
    ("POST", "/reports/{number}/classify", CASEWORK, False, {}, 422),
    ("POST", "/reports/{number}/note", CASEWORK, False, {"text": ""}, 422),
    ("POST", "/reports/{number}/message", CASEWORK, False, {"text": ""}, 422),
    ("POST", "/reports/{number}/duplicate", CASEWORK, False, {"of": "bogus"}, 422),
    ("POST", "/api/v1/reports/{number}/assign", CASEWORK, True, {"assignee": ""}, 200),
    ("POST", "/api/v1/reports/{number}/state", CASEWORK, True, {"state": "bogus"}, 422),
    ("POST", "/api/v1/reports/{number}/classify", CASEWORK, True, {}, 422),
    ("POST", "/api/v1/reports/{number}/note", CASEWORK, True, {"text": ""}, 422),
    ("POST", "/api/v1/reports/{number}/message", CASEWORK, True, {"text": ""}, 422),
    ("POST", "/api/v1/reports/{number}/duplicate", CASEWORK, True, {"of": "bogus"}, 422),
    ("GET", "/api/v1/reports", CASEWORK, True, None, 200),
    ("GET", "/api/v1/reports/{number}", CASEWORK, True, None, 200),
    # e-mail: the outgoing queue, writing to an e-mail reporter (an empty text: 422)
    ("GET", "/mail", ("supervisor", "admin"), False, None, 200),
    ("POST", "/mail/0/retry", ("supervisor", "admin"), False, {}, 404),
    ("POST", "/reports/{number}/mail", CASEWORK, False, {"text": ""}, 422),
    ("POST", "/api/v1/reports/{number}/mail", CASEWORK, True, {"text": ""}, 422),
    # triage: the kind of a report
    ("POST", "/reports/{number}/kind", CASEWORK, False, {"kind": "bogus"}, 422),
    ("POST", "/api/v1/reports/{number}/kind", CASEWORK, True, {"kind": "bogus"}, 422),
    # known-hash lists: admin pages; analysts' actions on a report; the look-up
    ("GET", "/admin/hashlists", ("admin",), False, None, 200),
    ("POST", "/admin/hashlists", ("admin",), False, {"name": ""}, 422),
    ("GET", "/admin/hashlists/nosuch", ("admin",), False, None, 404),
    ("GET", "/admin/hashlists/nosuch/export", ("admin",), False, None, 404),
    ("POST", "/admin/hashlists/nosuch/settings", ("admin",), False, {}, 404),
    ("POST", "/admin/hashlists/nosuch/entry", ("admin",), False, {"op": "x"}, 404),
    ("POST", "/admin/hashlists/nosuch/remove", ("admin",), False, {"confirm": "x"}, 404),
    ("POST", "/reports/{number}/hashlist", CASEWORK, False, {}, 404),
    ("POST", "/reports/{number}/false_positive", ("analyst", "supervisor"), False,
     {"entry": "x"}, 422),
    ("POST", "/api/v1/reports/{number}/hashlist", CASEWORK, True, {}, 404),
    ("POST", "/api/v1/hashes/lookup", CASEWORK + ("admin",), True, {"hashes": []}, 200),
    # online material: items, the directory, statistics (no item or entry 0
    # exists, and the values sent are refused, so nothing changes)
    ("GET", "/items", CASEWORK, False, None, 200),
    ("GET", "/items/0", CASEWORK, False, None, 404),
] + [
    ("POST", "/items/0/" + action, ITEMWORK, False, sent, (404, 422))
    for action, sent in ITEM_ACTIONS
] + [
    ("GET", "/directory", CASEWORK + ("admin",), False, None, 200),
    ("POST", "/directory", DIRECTORY, False, {"type": ""}, 422),
    ("GET", "/directory/0", DIRECTORY, False, None, 404),
    ("POST", "/directory/0", DIRECTORY, False, {"type": ""}, (404, 422)),
    ("POST", "/directory/0/delete", DIRECTORY, False, {}, 404),
    ("GET", "/stats", CASEWORK + ("admin",), False, None, 200),
    ("GET", "/stats.csv", CASEWORK + ("admin",), False, None, 200),
    ("GET", "/stats.json", CASEWORK + ("admin",), True, None, 200),
    ("GET", "/api/v1/stats", CASEWORK + ("admin",), True, None, 200),
    ("GET", "/api/v1/items", CASEWORK, True, None, 200),
    ("GET", "/api/v1/items/0", CASEWORK, True, None, 404),
    ("GET", "/api/v1/items/0/notices", CASEWORK, True, None, 404),
] + [
    ("POST", "/api/v1/items/0/" + action, ITEMWORK, True, sent, (404, 422))
    for action, sent in ITEM_ACTIONS
] + [
    # last: with the csrf it ends the session
    ("POST", "/logout", ANY_ROLE, False, {}, (303, "/login")),
]

# (route, role) refused by the report's owner check rather than the table:
# 403 all the same, but it need not be audited as access.denied.
OWN_ONLY = {("GET", "/reports/{number}", "operator")}


def allowed(who, role, method, path):
    if who == ANYONE:
        return True
    if role is None or (method, path, role) in OWN_ONLY:
        return False
    return who == ANY_ROLE or role in who


def expected(method, path, who, is_api, reached, role):
    """(statuses, Location or None, JSON error code or None)."""
    if allowed(who, role, method, path):
        if isinstance(reached, tuple) and len(reached) == 2 and isinstance(reached[1], str):
            return (reached[0],), reached[1], None
        return (reached if isinstance(reached, tuple) else (reached,)), None, None
    if role is None:
        return ((401,), None, "auth.required") if is_api else ((303,), "/login", None)
    return (403,), None, "forbidden" if is_api else None


class PermissionWalk(ConsoleTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.number = None

    def setUp(self):
        if PermissionWalk.number is None:
            number = self.file_report(SIMPLE_REPORT)[0]
            # a case to walk /cases/{id}
            sup = self.staff_session("supervisor", "owner")
            s, h, b = sup.post("/cases", {"csrf": sup.csrf, "title": "Walk case"})
            self.assertEqual(s, 303, b[:200])
            loc = h.get("Location") or ""
            self.assertRegex(loc, r"^/cases/[^/]+$")
            PermissionWalk.case = loc.rsplit("/", 1)[1]
            PermissionWalk.number = number

    def send(self, method, path, headers, body, is_api, csrf=None):
        path = path.replace("{number}", PermissionWalk.number)
        path = path.replace("{case}", PermissionWalk.case)
        if method == "GET":
            return self.con("GET", path, headers)
        h = dict(headers)
        if is_api:
            h["Content-Type"] = "application/json"
            return self.con(method, path, h, json.dumps(body).encode())
        h["Content-Type"] = FORM
        fields = dict(body)
        if csrf:
            fields["csrf"] = csrf
        return self.con(method, path, h, form_body(fields))

    def check(self, resp, want, label):
        statuses, location, code = want
        s, h, b = resp
        self.assertIn(s, statuses, "%s: want %s, got %d %r" % (label, statuses, s, b[:160]))
        if location:
            self.assertEqual(h.get("Location"), location, label)
        if code:
            j = parse_json(b)
            self.assertIsInstance(j, dict, "%s: not JSON: %r" % (label, b[:160]))
            self.assertIn(code, [e.get("code") for e in j.get("errors", [])], label)
        if s == 200 and "json" in (h.get("Content-Type") or ""):
            self.assertIsNotNone(parse_json(b), "%s: bad JSON" % label)

    def test_walk_sessions(self):
        sessions = {role: self.staff_session(role, "walk") for role in ROLES}
        denied = {role: 0 for role in ROLES}
        maybe = {role: 0 for role in ROLES}
        principals = [(None, None)] + [(r, sessions[r]) for r in ROLES]
        for method, path, who, is_api, body, reached in TABLE:
            for role, sess in principals:
                want = expected(method, path, who, is_api, reached, role)
                label = "%s %s as %s" % (method, path, role or "no session")
                headers = sess.headers() if sess else {}
                csrf = sess.csrf if sess else None
                with self.subTest(label):
                    self.check(self.send(method, path, headers, body, is_api, csrf), want, label)
                if want[0] == (403,):
                    if (method, path, role) in OWN_ONLY:
                        maybe[role] += 1
                    else:
                        denied[role] += 1
        # every refusal by the table is audited as access.denied, once
        for role, sess in sessions.items():
            rows = self.audit(action="access.denied", actor=sess.staff.actor)
            with self.subTest("access.denied rows of " + role):
                self.assertGreaterEqual(len(rows), denied[role], rows)
                self.assertLessEqual(len(rows), denied[role] + maybe[role], rows)
        # the logout at the end of the walk ended every session
        for role, sess in sessions.items():
            with self.subTest("after logout: " + role):
                self.assertRedirect(sess.get("/account/password"), "/login", role)

    def test_walk_api_keys(self):
        keys = {role: self.add_apikey(role, "walk") for role in ROLES}
        principals = [(None, None), ("bad key", "hlk_" + "0" * 64),
                      ("malformed key", "hlk_xyz"), ("not a key", "a" * 68)]
        principals += [(role, keys[role][1]) for role in ROLES]
        denied = {role: 0 for role in ROLES}
        for method, path, who, is_api, body, reached in TABLE:
            if not is_api:
                continue
            for role, key in principals:
                r = role if role in ROLES else None
                want = expected(method, path, who, is_api, reached, r)
                label = "%s %s with key %s" % (method, path, role or "none")
                headers = {"Authorization": "Bearer " + key} if key else {}
                with self.subTest(label):
                    self.check(self.send(method, path, headers, body, is_api), want, label)
                if want[0] == (403,):
                    denied[r] += 1
        for role, (name, _) in keys.items():
            rows = self.audit(action="access.denied", actor="apikey:" + name)
            with self.subTest("access.denied rows of key " + role):
                self.assertEqual(len(rows), denied[role], rows)
        # a revoked key is no key
        name, key = keys["analyst"]
        h = {"Authorization": "Bearer " + key}
        self.assertEqual(self.send("GET", "/api/v1/reports", h, None, True)[0], 200)
        r = self.cli("apikey", "revoke", name)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.check(self.send("GET", "/api/v1/reports", h, None, True),
                   ((401,), None, "auth.required"), "revoked key")

    def test_walk_changed_nothing(self):
        # the refused POSTs of the walk left the report as it was
        name, key = self.add_apikey("analyst", "nochange")
        s, _, b = self.send("GET", "/api/v1/reports/{number}",
                            {"Authorization": "Bearer " + key}, None, True)
        self.assertEqual(s, 200)
        j = parse_json(b)
        self.assertEqual(j["state"], "received")
        self.assertIn(j.get("assignee"), (None, ""))
        self.assertIn(j.get("duplicate_of"), (None, ""))
        self.assertFalse(j.get("notes"))

    def test_key_read_is_audited_as_the_key(self):
        name, key = self.add_apikey("analyst", "audit")
        s, _, b = self.send("GET", "/api/v1/reports/{number}",
                            {"Authorization": "Bearer " + key}, None, True)
        self.assertEqual(s, 200, b[:200])
        rows = self.audit(action="report.read", actor="apikey:" + name)
        self.assertEqual([r.get("object_id") for r in rows], [PermissionWalk.number], rows)

    def test_operator_own_calls_only(self):
        ops = [self.staff_session("operator", "op") for _ in range(2)]
        s, _, b = ops[0].get("/calls/new")
        self.assertEqual(s, 200)
        doc = Doc(b.decode("utf-8"))
        started = doc.field_value("call_started_at") or "2026-01-01T10:00"
        fields = {"csrf": ops[0].csrf, "call_started_at": started,
                  "call_ended_at": doc.field_value("call_ended_at") or started,
                  "caller": "parent", "kind": "exploitation", "urgency": "normal",
                  "description": "A parent calls about messages to their child."}
        s, h, b = ops[0].post("/calls", fields)
        self.assertEqual(s, 303, b[:300])
        loc = h.get("Location") or ""
        self.assertRegex(loc, r"^/reports/\d{3}-\d{3}-\d{3}$", "the browser goes to the report")
        self.assertEqual(ops[0].get(loc)[0], 200, "an operator opening their own call")
        self.assertEqual(ops[1].get(loc)[0], 403, "an operator opening another's call")
        s, _, b = ops[0].get("/calls")
        self.assertIn(loc.rsplit("/", 1)[1].encode(), b, "own call not listed on /calls")
        s, _, b = ops[1].get("/calls")
        self.assertNotIn(loc.rsplit("/", 1)[1].encode(), b, "another's call listed on /calls")


# Routes only the console has: every route of the table but those both
# listeners answer, "/" (the public home page there) and GET /api/v1/reports
# (the public listener takes POSTs there: 404 or 405), checked apart.
SHARED = {"/healthz", "/static/style.css", "/api/v1/openapi.json"}
CONSOLE_ONLY = [(m, p) for m, p, _, _, _, _ in TABLE
                if p not in SHARED and (m, p) not in (("GET", "/"), ("GET", "/api/v1/reports"))]
PUBLIC_ONLY = [("GET", "/report"), ("POST", "/report"), ("GET", "/status"),
               ("POST", "/status"), ("POST", "/status/add"), ("GET", "/help")]


class Listeners(ConsoleTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sess = None

    def setUp(self):
        if Listeners.sess is None:
            Listeners.number = self.file_report(SIMPLE_REPORT)[0]
            Listeners.sess = self.staff_session("supervisor", "lst")
            Listeners.auditor = self.staff_session("auditor", "lst")
            Listeners.key = self.add_apikey("supervisor", "lst")[1]

    def on_public(self, method, path, headers):
        path = path.replace("{number}", Listeners.number).replace("{case}", "1")
        h = dict(headers)
        body = None
        if method == "POST":
            h["Content-Type"] = FORM
            body = form_body({"csrf": Listeners.sess.csrf, "name": "x", "password": "y",
                              "code": "123456"})
        return self.srv.request(method, path, h, body, listener="public")

    def test_console_routes_not_on_public(self):
        sess = Listeners.sess
        for method, path in CONSOLE_ONLY:
            for label, headers in (("no session", {}), ("session", sess.headers()),
                                   ("auditor session", Listeners.auditor.headers()),
                                   ("API key", {"Authorization": "Bearer " + Listeners.key})):
                with self.subTest("%s %s (%s) on public" % (method, path, label)):
                    s, h, b = self.on_public(method, path, headers)
                    self.assertEqual(s, 404, b[:160])
                    self.assertIsNone(h.get("Set-Cookie"))
        # GET /api/v1/reports: the public listener only takes POSTs there
        for label, headers in (("no session", {}), ("session", sess.headers()),
                               ("API key", {"Authorization": "Bearer " + Listeners.key})):
            with self.subTest("GET /api/v1/reports (%s) on public" % label):
                s, h, b = self.on_public("GET", "/api/v1/reports", headers)
                self.assertIn(s, (404, 405), b[:160])
                self.assertNotIn(Listeners.number.encode(), b)
        # the public "/" is the public home page, not the queue
        s, h, b = self.on_public("GET", "/", sess.headers())
        self.assertEqual(s, 200)
        self.assertNotIn(b'id="queue"', b)
        self.assertNotIn(Listeners.number.encode(), b)

    def test_public_routes_not_on_console(self):
        sess = Listeners.sess
        for method, path in PUBLIC_ONLY:
            for label, headers in (("no session", {}), ("session", sess.headers())):
                with self.subTest("%s %s (%s) on console" % (method, path, label)):
                    h = dict(headers)
                    body = None
                    if method == "POST":
                        h["Content-Type"] = FORM
                        body = form_body({"kind": "exploitation",
                                          "description": "I saw a suspicious page",
                                          "csrf": sess.csrf})
                    s, _, b = self.con(method, path, h, body)
                    self.assertEqual(s, 404, b[:160])
        before = self.srv.count_reports()
        s, _, b = self.con("POST", "/api/v1/reports", {"Content-Type": "application/json"},
                           '{"kind":"exploitation","description":"I saw a suspicious page"}')
        self.assertIn(s, (404, 405), b[:160])
        s, _, b = self.con("GET", "/api/v1/reports/%s/status" % Listeners.number)
        self.assertEqual(s, 404, b[:160])
        self.assertEqual(self.srv.count_reports(), before, "a report was filed on the console")

    def test_unknown_console_paths(self):
        sess = Listeners.sess
        for path in ("/admin", "/reports", "/reports/", "/api/v1/reports/x/y", "/audit/1",
                     "/account", "/login/"):
            with self.subTest(path):
                s, _, _ = self.con("GET", path, sess.headers())
                self.assertIn(s, (404, 405), path)


if __name__ == "__main__":
    unittest.main()
