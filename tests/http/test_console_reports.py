#!/usr/bin/env python3
"""The console's report page, the queue and the staff API (docs/CONSOLE.md,
"Pages" and "Staff API"): audited reads, contact details sealed unless a
case worker or supervisor asks, URLs as text, queue order, filters and
paging, JSON shapes and refused query values."""

import json
import os
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Doc, NUMBER_RE, make_number, parse_json, run_cli  # noqa: E402
from test_console_common import ConsoleTestCase  # noqa: E402

CONTACT = {"name": "Alexandra Contactperson", "email": "alexandra@contact.example",
           "phone": "+32 2 555 01 23", "may_contact": True}
URL_1 = "https://example.org/page-one"
URL_2 = 'https://example.org/a?q="x"&r=<y>'
URL_ADDED = "https://example.org/added-later"
ADDITION = "Another page appeared today."
DESCRIPTION = "What I saw: <b>bold</b> & more"

LIST_KEYS = {"number", "kind", "channel", "state", "received_at", "priority"}
DETAIL_KEYS = LIST_KEYS | {"urls", "attachments", "additions"}


def text_of(node):
    return " ".join(node.text.split()) if node is not None else ""


class ReportPage(ConsoleTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ready = False

    def setUp(self):
        if ReportPage.ready:
            return
        c = ReportPage
        c.number, c.secret = self.file_report({
            "kind": "abuse_material", "urls": [URL_1, URL_2], "where": "website",
            "description": "Seen on a forum.", "contact": CONTACT})
        s, _, b = self.srv.post_json("/api/v1/reports/%s/additions" % c.number,
                                     {"text": ADDITION, "urls": [URL_ADDED]},
                                     {"Authorization": "Bearer " + c.secret})
        self.assertEqual(s, 201, b[:300])
        c.plain, _ = self.file_report({"kind": "exploitation", "description": DESCRIPTION,
                                       "exploitation_type": "grooming"})
        c.analyst = self.staff_session("analyst", "rp")
        c.case_worker = self.staff_session("case_worker", "rp")
        c.supervisor = self.staff_session("supervisor", "rp")
        c.key_name, c.key = self.add_apikey("analyst", "rp")
        ReportPage.ready = True

    def page(self, sess, number, query=""):
        s, h, b = sess.get("/reports/%s%s" % (number, query))
        self.assertEqual(s, 200, "%s: %r" % (number, b[:300]))
        return Doc(b.decode("utf-8")), b.decode("utf-8")

    def reads(self, actor, number, action="report.read"):
        return len(self.audit(action=action, actor=actor, object=number))

    def api(self, path):
        s, h, b = self.con("GET", path, {"Authorization": "Bearer " + ReportPage.key})
        return s, h, b

    # ---- the page
    def test_page_fields(self):
        c = ReportPage
        doc, raw = self.page(c.analyst, c.number)
        self.assertEqual(text_of(doc.by_id("report-number")), c.number)
        self.assertTrue(text_of(doc.by_id("report-kind")), "empty #report-kind")
        state = doc.by_id("report-state")
        self.assertIsNotNone(state, "no #report-state")
        self.assertEqual(state.get("data-state"), "received")
        self.assertIn("Seen on a forum.", text_of(doc.by_id("report-description")))
        adds = doc.by_id("report-additions")
        self.assertIsNotNone(adds, "no #report-additions")
        self.assertIn(ADDITION, text_of(adds))
        # the description is text, not markup
        doc2, raw2 = self.page(c.analyst, c.plain)
        self.assertIn(DESCRIPTION, text_of(doc2.by_id("report-description")))
        self.assertNotIn("<b>bold</b>", raw2)

    def test_urls_are_text_never_links(self):
        c = ReportPage
        doc, raw = self.page(c.analyst, c.number)
        urls = doc.by_id("report-urls")
        self.assertIsNotNone(urls, "no #report-urls")
        shown = urls.text
        for u in (URL_1, URL_2):
            self.assertIn(u, shown, "URL not shown as text")
        self.assertIn(URL_ADDED, doc.root.text, "the added URL is not shown")
        self.assertEqual([n for n in doc.descendants(urls) if n.tag == "a"], [],
                         "a link inside #report-urls")
        for n in doc.nodes:
            for attr in ("href", "src", "action", "formaction"):
                v = n.get(attr) or ""
                self.assertNotIn("example.org", v, "%s=%r on <%s>" % (attr, v, n.tag))
        self.assertNotIn("<y>", raw, "URL not escaped")

    def test_read_is_audited(self):
        c = ReportPage
        before = self.reads(c.analyst.staff.actor, c.number)
        self.page(c.analyst, c.number)
        self.page(c.analyst, c.number)
        self.assertEqual(self.reads(c.analyst.staff.actor, c.number), before + 2)
        row = self.audit(action="report.read", actor=c.analyst.staff.actor)[-1]
        self.assertEqual(row.get("object_id"), c.number, row)

    def test_contact_sealed_for_analyst(self):
        c = ReportPage
        for query in ("", "?contact=1"):
            doc, raw = self.page(c.analyst, c.number, query)
            self.assertIsNone(doc.by_id("report-contact"), "analyst sees #report-contact " + query)
            for v in (CONTACT["name"], CONTACT["email"], CONTACT["phone"]):
                self.assertNotIn(v, raw, "analyst sees %r %s" % (v, query))
        self.assertEqual(self.reads(c.analyst.staff.actor, c.number, "contact.unseal"), 0)

    def test_contact_unseal_case_worker_and_supervisor(self):
        c = ReportPage
        for sess in (c.case_worker, c.supervisor):
            actor = sess.staff.actor
            doc, raw = self.page(sess, c.number)
            self.assertIsNone(doc.by_id("report-contact"), "%s: open without asking" % actor)
            self.assertNotIn(CONTACT["email"], raw)
            self.assertEqual(self.reads(actor, c.number, "contact.unseal"), 0)
            doc, raw = self.page(sess, c.number, "?contact=1")
            box = doc.by_id("report-contact")
            self.assertIsNotNone(box, "%s: no #report-contact with ?contact=1" % actor)
            for v in (CONTACT["name"], CONTACT["email"], CONTACT["phone"]):
                self.assertIn(v, text_of(box), actor)
            self.assertEqual(self.reads(actor, c.number, "contact.unseal"), 1, actor)
            self.assertGreaterEqual(self.reads(actor, c.number), 2, actor)

    def test_unknown_report(self):
        c = ReportPage
        other = make_number("99999990")
        for num in (other, "123", "abc-def-ghi", c.number.replace("-", "")[:-1] + "x"):
            s, _, _ = c.analyst.get("/reports/" + urllib.parse.quote(num))
            self.assertEqual(s, 404, num)
        self.assertJsonError(self.api("/api/v1/reports/" + other), 404, "not_found")

    # ---- staff API
    def test_api_list_shape(self):
        s, h, b = self.api("/api/v1/reports")
        self.assertEqual(s, 200, b[:300])
        self.assertTrue(h.get("Content-Type", "").startswith("application/json"))
        j = parse_json(b)
        self.assertEqual(set(j), {"reports", "offset", "limit"}, j)
        self.assertEqual(j["offset"], 0)
        self.assertIsInstance(j["limit"], int)
        numbers = [r["number"] for r in j["reports"]]
        self.assertIn(ReportPage.number, numbers)
        self.assertIn(ReportPage.plain, numbers)
        for r in j["reports"]:
            self.assertTrue(LIST_KEYS <= set(r), r)
            self.assertRegex(r["number"], NUMBER_RE)
            self.assertIsInstance(r["priority"], int)
            for k in ("kind", "channel", "state", "received_at"):
                self.assertIsInstance(r[k], str, r)
            self.assertEqual(r["channel"], "api")
            self.assertNotIn(CONTACT["email"], json.dumps(r))
        s, _, b = self.api("/api/v1/reports?limit=1&offset=1")
        self.assertEqual(s, 200, b[:300])
        j = parse_json(b)
        self.assertEqual((j["limit"], j["offset"]), (1, 1))
        self.assertEqual([r["number"] for r in j["reports"]], numbers[1:2])

    def test_api_report_shape(self):
        c = ReportPage
        before = self.reads("apikey:" + c.key_name, c.number)
        s, h, b = self.api("/api/v1/reports/" + c.number)
        self.assertEqual(s, 200, b[:300])
        j = parse_json(b)
        self.assertTrue(DETAIL_KEYS <= set(j), sorted(j))
        self.assertEqual(j["number"], c.number)
        self.assertEqual(j["kind"], "abuse_material")
        self.assertEqual(j["state"], "received")
        self.assertEqual(j["attachments"], [])
        self.assertIsInstance(j["urls"], list)
        for u in j["urls"]:
            self.assertEqual(set(u), {"url", "addition"}, u)
        by_url = {u["url"]: u["addition"] for u in j["urls"]}
        self.assertEqual(set(by_url), {URL_1, URL_2, URL_ADDED})
        self.assertEqual(by_url[URL_1], by_url[URL_2], "the first URLs come from one filing")
        self.assertNotEqual(by_url[URL_ADDED], by_url[URL_1], "added URL not told apart")
        self.assertIsInstance(j["additions"], list)
        self.assertEqual(len(j["additions"]), 1, j["additions"])
        self.assertIn(ADDITION, json.dumps(j["additions"]))
        # contact details stay sealed in the API
        for v in (CONTACT["name"], CONTACT["email"], CONTACT["phone"]):
            self.assertNotIn(v, b.decode("utf-8"))
        self.assertEqual(self.reads("apikey:" + c.key_name, c.number), before + 1)
        # the same with the session of a case worker
        s, _, b = c.case_worker.get("/api/v1/reports/" + c.number)
        self.assertEqual(s, 200)
        self.assertEqual(parse_json(b)["number"], c.number)

    def test_api_bad_query_values(self):
        for q in ("limit=0", "limit=501", "offset=-1", "limit=abc", "offset=abc",
                  "limit=-1", "limit=1.5", "limit=10x", "offset=1e3",
                  "limit=99999999999999999999999"):
            with self.subTest(q):
                self.assertJsonError(self.api("/api/v1/reports?" + q), 422, "invalid", q)
        for q in ("limit=1", "limit=500", "offset=0", "offset=100000"):
            with self.subTest(q):
                s, _, b = self.api("/api/v1/reports?" + q)
                self.assertEqual(s, 200, "%s: %r" % (q, b[:200]))
        j = parse_json(self.api("/api/v1/reports?offset=100000")[2])
        self.assertEqual(j["reports"], [])


# --------------------------------------------------------------------------
# the queue

def queue_numbers(doc):
    table = doc.by_id("queue")
    if table is None:
        raise AssertionError("no #queue")
    out = []
    for tr in [n for n in doc.descendants(table) if n.tag == "tr"]:
        links = [n for n in doc.descendants(tr) if n.tag == "a"
                 and (n.get("href") or "").startswith("/reports/")]
        if not links:
            continue   # the header row
        href = links[0].get("href")
        number = href[len("/reports/"):]
        if number != text_of(links[0]) and text_of(links[0]) not in number:
            raise AssertionError("link %r shows %r" % (href, text_of(links[0])))
        out.append(number)
    return out


class Queue(ConsoleTestCase):
    """A fixed set of reports, filed once; the tests only read."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ready = False

    def file_web(self, fields):
        f = {"lang": "en"}
        f.update(fields)
        s, _, b = self.srv.post_form("/report", f)
        self.assertEqual(s, 200, b[:300])
        num = Doc(b.decode("utf-8")).by_id("receipt-number")
        self.assertIsNotNone(num, "no receipt")
        return text_of(num)

    def setUp(self):
        if Queue.ready:
            return
        q = Queue
        abuse = {"kind": "abuse_material", "urls": ["https://example.org/q"]}
        expl = {"kind": "exploitation", "description": "I saw a suspicious page"}
        danger = {"kind": "immediate_danger", "description": "I saw a suspicious page"}
        q.a1 = self.file_report(abuse)[0]
        q.e1 = self.file_report(expl)[0]
        q.d1 = self.file_report(danger)[0]
        q.w1 = self.file_web(expl)
        q.a2 = self.file_report(abuse)[0]
        q.d2 = self.file_web(danger)
        q.c1 = self.file_report(abuse)[0]
        q.u1 = self.file_report(abuse)[0]
        for num, state in ((q.c1, "closed"), (q.u1, "under_analysis")):
            r = run_cli(["report", "set", num, "--state", state, "--data", self.srv.data])
            self.assertEqual(r.returncode, 0, r.stderr)
        q.sess = self.staff_session("analyst", "queue")
        q.key = self.add_apikey("supervisor", "queue")[1]
        Queue.ready = True

    def queue(self, query=""):
        s, h, b = Queue.sess.get("/" + query)
        self.assertEqual(s, 200, "%s: %r" % (query, b[:300]))
        return queue_numbers(Doc(b.decode("utf-8")))

    def api_numbers(self, query=""):
        s, _, b = self.con("GET", "/api/v1/reports" + query,
                           {"Authorization": "Bearer " + Queue.key})
        self.assertEqual(s, 200, "%s: %r" % (query, b[:300]))
        return [r["number"] for r in parse_json(b)["reports"]]

    def test_order_danger_first_then_oldest(self):
        q = Queue
        want = [q.d1, q.d2, q.a1, q.e1, q.w1, q.a2, q.u1]
        self.assertEqual(self.queue(), want)
        self.assertEqual(self.api_numbers(), want)
        s, _, b = self.con("GET", "/api/v1/reports", {"Authorization": "Bearer " + q.key})
        pr = {r["number"]: r["priority"] for r in parse_json(b)["reports"]}
        self.assertGreater(pr[q.d1], pr[q.a1])
        self.assertEqual(pr[q.d1], pr[q.d2])

    def test_filters(self):
        q = Queue
        cases = {
            "?kind=exploitation": [q.e1, q.w1],
            "?kind=immediate_danger": [q.d1, q.d2],
            "?kind=abuse_material": [q.a1, q.a2, q.u1],
            "?channel=web": [q.d2, q.w1],
            "?channel=api": [q.d1, q.a1, q.e1, q.a2, q.u1],
            "?state=closed": [q.c1],
            "?state=under_analysis": [q.u1],
            "?state=received": [q.d1, q.d2, q.a1, q.e1, q.w1, q.a2],
            "?kind=abuse_material&state=closed": [q.c1],
            "?kind=exploitation&channel=web": [q.w1],
            "?kind=exploitation&channel=web&state=closed": [],
            "?channel=phone": [],
        }
        for query, want in cases.items():
            with self.subTest(query):
                self.assertEqual(self.queue(query), want, "page " + query)
                self.assertEqual(self.api_numbers(query), want, "API " + query)

    def test_filter_shown_selected(self):
        s, _, b = Queue.sess.get("/?kind=exploitation&channel=web&state=received")
        doc = Doc(b.decode("utf-8"))
        self.assertEqual(doc.field_value("kind"), "exploitation")
        self.assertEqual(doc.field_value("channel"), "web")
        self.assertEqual(doc.field_value("state"), "received")

    def test_rows_link_to_report_pages(self):
        for number in self.queue():
            s, _, _ = Queue.sess.get("/reports/" + number)
            self.assertEqual(s, 200, number)


class QueuePaging(ConsoleTestCase):
    COUNT = 112

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ready = False

    def setUp(self):
        if QueuePaging.ready:
            return
        q = QueuePaging
        q.danger, q.other = [], []
        for i in range(self.COUNT):
            if i % 9 == 4:
                q.danger.append(self.file_report({"kind": "immediate_danger",
                                                  "description": "report %d" % i})[0])
            else:
                q.other.append(self.file_report({"kind": "exploitation",
                                                 "description": "report %d" % i})[0])
        q.sess = self.staff_session("case_worker", "paging")
        QueuePaging.ready = True

    def get_page(self, path):
        s, _, b = QueuePaging.sess.get(path)
        self.assertEqual(s, 200, "%s: %r" % (path, b[:300]))
        doc = Doc(b.decode("utf-8"))
        nxt = doc.find("a", rel="next")
        prev = doc.find("a", rel="prev")
        return (queue_numbers(doc), nxt.get("href") if nxt else None,
                prev.get("href") if prev else None)

    def test_pages_of_fifty(self):
        q = QueuePaging
        want = q.danger + q.other
        rows0, next0, prev0 = self.get_page("/")
        self.assertEqual(len(rows0), 50)
        self.assertIsNone(prev0, "a previous link on the first page")
        self.assertTrue(next0, "no next link on the first page")
        rows1, next1, prev1 = self.get_page("/?page=1")
        self.assertEqual(len(rows1), 50)
        self.assertTrue(prev1 and next1)
        rows2, next2, prev2 = self.get_page("/?page=2")
        self.assertEqual(len(rows2), self.COUNT - 100)
        self.assertIsNone(next2, "a next link on the last page")
        self.assertEqual(rows0 + rows1 + rows2, want)
        self.assertEqual(self.get_page("/?page=3")[0], [])
        # the links lead where they say
        self.assertEqual(self.get_page(next0)[0], rows1)
        self.assertEqual(self.get_page(prev2)[0], rows1)

    def test_paging_keeps_filters(self):
        q = QueuePaging
        rows, nxt, _ = self.get_page("/?kind=exploitation")
        self.assertEqual(rows, q.other[:50])
        self.assertTrue(nxt)
        rows, nxt, _ = self.get_page(nxt)
        self.assertEqual(rows, q.other[50:100])
        rows, nxt, _ = self.get_page("/?kind=immediate_danger")
        self.assertEqual(rows, q.danger)
        self.assertIsNone(nxt)

    def test_api_paging(self):
        q = QueuePaging
        want = q.danger + q.other
        sess = q.sess
        got = []
        for off in range(0, self.COUNT + 40, 40):
            s, _, b = sess.get("/api/v1/reports?limit=40&offset=%d" % off)
            self.assertEqual(s, 200, b[:200])
            j = parse_json(b)
            self.assertEqual((j["limit"], j["offset"]), (40, off))
            got += [r["number"] for r in j["reports"]]
        self.assertEqual(got, want)
        s, _, b = sess.get("/api/v1/reports?limit=500")
        self.assertEqual([r["number"] for r in parse_json(b)["reports"]], want)


if __name__ == "__main__":
    unittest.main()
