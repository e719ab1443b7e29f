#!/usr/bin/env python3
"""Online material (issue 6): ten spellings of one URL make one item;
hosting from a resolver and MMDB databases the test controls (no traffic
leaves the machine); routing picks the recipient per rule; notices are
recorded with their times; the time figures come out right on a scripted
timeline (the test-only clock, HOTLINE_TEST_CLOCK=1); hostile input."""

import csv
import io
import html
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, parse_json, write_profile  # noqa: E402
from mmdb_writer import write_mmdb  # noqa: E402
from test_console_common import ConsoleTestCase, cli  # noqa: E402

SPELLINGS = [
    "http://example.org/gallery/a?x=1",
    "HTTP://EXAMPLE.ORG/gallery/a?x=1",
    "http://example.org:80/gallery/a?x=1",
    "http://example.org/gallery/./a?x=1",
    "http://example.org/z/../gallery/a?x=1",
    "http://example.org/%67allery/%61?x=1",
    "http://example.org./gallery/a?x=1#top",
    "example.org/gallery/a?x=1",
    "http://Example.Org:80/gallery/%2E/a?x=%31",
    "http://example.org/gallery/b/../a?x=1#",
]


from test_mail_smtp import Sink, free_port, start_sink  # noqa: E402


class ItemsTest(ConsoleTestCase):

    @classmethod
    def setUpClass(cls):
        tmp = os.path.join("/tmp", "hotline-items-%d" % os.getpid())
        os.makedirs(tmp, exist_ok=True)
        cls.geo = tmp
        write_mmdb(os.path.join(tmp, "country.mmdb"), "Test-Country", [
            ("192.0.2.0/24", {"country": {"iso_code": "BE"}}),
            ("198.51.100.0/24", {"country_code": "NL"}),
            ("203.0.113.0/24", {"country_code": "JP"}),
        ])
        write_mmdb(os.path.join(tmp, "asn.mmdb"), "Test-ASN", [
            ("192.0.2.0/24", {"autonomous_system_number": 64500,
                              "autonomous_system_organization": "Example Hosting BE"}),
            ("198.51.100.0/24", {"autonomous_system_number": 64501,
                                 "autonomous_system_organization": "Example NL"}),
        ])
        with open(os.path.join(tmp, "hosts"), "w") as f:
            f.write("192.0.2.10 be.test www.be.test\n198.51.100.5 nl.test\n"
                    "203.0.113.7 jp.test\n192.0.2.11 example.org\n")
        # notices go out through the outgoing mail queue to an SMTP sink here
        cls.smtp_port = free_port()
        cls.sink = Sink()
        cls.smtp = start_sink(cls.smtp_port, cls.sink)
        profile = ("mail.relay = smtp://127.0.0.1:%d\nmail.starttls = no\n"
                    "mail.from = hotline@example.org\nmail.retry_min_seconds = 1\n"
                    "mail.retry_max_seconds = 2\nmail.poll_seconds = 1\n" % cls.smtp_port)
        profile += ("\ncountry = BE\nreference_prefix = TEST\n"
                    "geo_country_mmdb = %s/country.mmdb\ngeo_asn_mmdb = %s/asn.mmdb\n"
                    "resolver_hosts = %s/hosts\n" % (tmp, tmp, tmp))
        cls.SERVER_ARGS = ["--lookup-limit", "100000", "--profile",
                           write_profile(os.path.join(tmp, "profile.conf"), profile)]
        os.environ["HOTLINE_TEST_CLOCK"] = "1"
        super().setUpClass()
        cls.key = None

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.smtp.stop()
        for n in ("country.mmdb", "asn.mmdb", "hosts", "profile.conf"):
            try:
                os.remove(os.path.join(cls.geo, n))
            except OSError:
                pass
        os.rmdir(cls.geo)

    # helpers
    def api(self, method, path, obj=None, key=None):
        h = {"Authorization": "Bearer " + (key or self.analyst_key())}
        body = None
        if obj is not None:
            h["Content-Type"] = "application/json"
            body = json.dumps(obj).encode()
        s, hd, b = self.con(method, path, h, body)
        return s, parse_json(b) if b and b[:1] in (b"{", b"[") else b

    def analyst_key(self):
        if not type(self).key:
            type(self).key = self.add_apikey("analyst")[1]
        return type(self).key

    def admin_key(self):
        if not getattr(type(self), "akey", None):
            type(self).akey = self.add_apikey("admin")[1]
        return type(self).akey

    def set_clock(self, iso):
        s, j = self.api("POST", "/api/v1/test/clock", {"now": iso}, key=self.admin_key())
        self.assertEqual(s, 200, j)

    def report(self, urls):
        s, h, j = self.srv.api_report({"kind": "abuse_material", "urls": urls,
                                       "where": "website"})
        self.assertEqual(s, 201, j)
        return j["number"]

    def item_of(self, url):
        s, j = self.api("GET", "/api/v1/items?limit=500")
        self.assertEqual(s, 200, j)
        found = [i for i in j["items"] if i["url"] == url]
        return found[0] if found else None

    def wait_hosting(self, item_id):
        for _ in range(100):
            s, j = self.api("GET", "/api/v1/items/%d" % item_id)
            if j["hosting"]["source"] != "pending":
                return j
            time.sleep(0.1)
        self.fail("hosting never looked up")

    # tests
    def test_01_ten_spellings_one_item(self):
        numbers = [self.report([u]) for u in SPELLINGS]
        it = self.item_of("http://example.org/gallery/a?x=1")
        self.assertIsNotNone(it)
        self.assertEqual(it["report_count"], 10)
        self.assertEqual(it["state"], "new")
        for k in ("url", "report_count", "state", "country", "asn", "addresses"):
            self.assertIn(k, it)
        s, j = self.api("GET", "/api/v1/items/%d" % it["id"])
        self.assertEqual(s, 200, j)
        self.assertEqual(sorted(j["reports"]), sorted(numbers))
        # one report naming it twice counts once
        self.report(["http://example.org/gallery/a?x=1", "HTTP://example.org/gallery/a?x=1"])
        self.assertEqual(self.item_of("http://example.org/gallery/a?x=1")["report_count"], 11)

    def test_02_hosting_from_the_test_resolver_and_mmdb(self):
        self.report(["http://www.be.test/page"])
        it = self.item_of("http://www.be.test/page")
        j = self.wait_hosting(it["id"])
        self.assertEqual(j["hosting"]["addresses"], ["192.0.2.10"])
        self.assertEqual(j["country"], "BE")
        self.assertEqual(j["asn"], 64500)
        self.assertEqual(j["as_name"], "Example Hosting BE")
        # a name the resolver does not know fails, and says so
        self.report(["http://unknown.test/"])
        j = self.wait_hosting(self.item_of("http://unknown.test/")["id"])
        self.assertEqual(j["hosting"]["source"], "failed")
        self.assertIsNone(j["country"])
        # the analyst's correction is kept
        s, r = self.api("POST", "/api/v1/items/%d/hosting" % j["id"],
                        {"country": "nl", "asn": "AS64501", "as_name": "Real host behind CDN",
                         "note": "CDN"})
        self.assertEqual(s, 200, r)
        s, j = self.api("GET", "/api/v1/items/%d" % j["id"])
        self.assertEqual((j["country"], j["asn"], j["hosting"]["source"]),
                         ("NL", 64501, "corrected"))
        for bad in ({"country": "Belgium"}, {"asn": "x1"}, {"asn": "99999999999"},
                    {"note": "a\x01b"}, {"country": 12}):
            s, r = self.api("POST", "/api/v1/items/%d/hosting" % j["id"], bad)
            self.assertEqual(s, 422, (bad, r))

    def assess(self, item_id, outcome="illegal"):
        body = {"outcome": outcome}
        if outcome == "illegal":
            # the default scheme's required fields, first value each
            s, j = self.api("GET", "/api/v1/items/%d" % item_id)
            body.update(self.scheme_values())
        return self.api("POST", "/api/v1/items/%d/assess" % item_id, body)

    def scheme_values(self):
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                            "data", "classification", "inhope.json")
        with open(path) as f:
            scheme = json.load(f)
        return {fl["name"]: fl["values"][0]["value"] for fl in scheme["fields"]
                if fl.get("required")}

    def test_03_routing_per_rule(self):
        cases = [("http://be.test/x", ["own_country.provider", "own_country.police"],
                  ["abuse-as64500@example.net", "police-be@example.net"]),
                 ("http://nl.test/x", ["partner_hotline"], ["hotline-nl@example.net"]),
                 ("http://jp.test/x", ["international"], ["police-intl@example.net"])]
        for url, rules, emails in cases:
            n = self.report([url])
            it = self.item_of(url)
            self.wait_hosting(it["id"])
            s, j = self.assess(it["id"])
            self.assertEqual(s, 200, j)
            s, j = self.api("GET", "/api/v1/items/%d" % it["id"])
            self.assertEqual(j["state"], "illegal")
            self.assertEqual([r["rule"] for r in j["routing"]], rules, url)
            self.assertEqual([r["email"] for r in j["routing"]], emails, url)
            # nothing sent before the analyst confirms
            s, nj = self.api("GET", "/api/v1/items/%d/notices" % it["id"])
            self.assertEqual(nj["notices"], [])
            s, r = self.api("POST", "/api/v1/items/%d/notify" % it["id"],
                            {"rules": ",".join(rules)})
            self.assertEqual(s, 200, r)
            s, nj = self.api("GET", "/api/v1/items/%d/notices" % it["id"])
            self.assertEqual([x["email"] for x in nj["notices"]], emails)
            for x in nj["notices"]:
                self.assertEqual(x["reference"], "TEST-I%d" % it["id"])
                self.assertTrue(x["sent_at"].endswith("Z"))
            s, j = self.api("GET", "/api/v1/items/%d" % it["id"])
            self.assertEqual(j["state"], "notified")
            # each notice arrives by e-mail, with the hotline's reference and the URL
            ref = "TEST-I%d" % it["id"]
            for addr in emails:
                deadline = time.monotonic() + 30
                got = []
                while time.monotonic() < deadline and not got:
                    got = [m for (_, rcpt, m, _) in self.sink.wait(0, 0)
                           if addr in rcpt and ref in str(m["Subject"]) + m.get_body(
                               preferencelist=("plain",)).get_content()]
                    time.sleep(0.2)
                self.assertEqual(len(got), 1, "notice to %s (%s)" % (addr, ref))
                body = got[0].get_body(preferencelist=("plain",)).get_content()
                self.assertIn(url, body)
            # the linked report took the outcome
            s, rj = self.api("GET", "/api/v1/reports/%s" % n)
            self.assertEqual(rj["state"], "forwarded")
            self.assertIsNotNone(rj["classification"])
        # a rule not proposed is refused
        it = self.item_of("http://nl.test/x")
        s, r = self.api("POST", "/api/v1/items/%d/notify" % it["id"], {"rules": "international"})
        self.assertEqual(s, 422, r)

    def test_04_reopen_not_duplicate(self):
        it = self.item_of("http://be.test/x")
        self.assertEqual(it["state"], "notified")
        n = self.report(["HTTP://BE.TEST/x#again"])
        again = self.item_of("http://be.test/x")
        self.assertEqual(again["id"], it["id"])
        self.assertTrue(again["reopened"])
        self.assertEqual(again["report_count"], it["report_count"] + 1)
        s, rj = self.api("GET", "/api/v1/reports/%s" % n)
        self.assertEqual(rj["state"], "forwarded")  # took the item's outcome at once

    def test_05_scripted_timeline_figures(self):
        day = "2031-03-0"
        self.set_clock(day + "1T08:00:00Z")
        self.report(["http://be.test/timeline-1"])
        self.report(["http://be.test/timeline-2"])
        a = self.item_of("http://be.test/timeline-1")["id"]
        b = self.item_of("http://be.test/timeline-2")["id"]
        self.wait_hosting(a)
        self.wait_hosting(b)
        self.set_clock(day + "1T10:00:00Z")          # +2 h
        self.assertEqual(self.assess(a)[0], 200)
        self.set_clock(day + "1T12:00:00Z")          # +4 h
        self.assertEqual(self.assess(b)[0], 200)
        self.set_clock(day + "1T13:00:00Z")          # a: +3 h after assessment
        self.assertEqual(self.api("POST", "/api/v1/items/%d/notify" % a,
                                  {"rules": "own_country.provider"})[0], 200)
        self.set_clock(day + "1T14:00:00Z")          # b: +2 h
        self.assertEqual(self.api("POST", "/api/v1/items/%d/notify" % b,
                                  {"rules": "own_country.provider,own_country.police"})[0], 200)
        # a reminder comes due 24 h after the notice
        self.set_clock(day + "2T13:30:00Z")
        s, j = self.api("GET", "/api/v1/items/%d" % a)
        self.assertEqual(j["reminder_due"], 1)
        self.assertEqual(self.api("POST", "/api/v1/items/%d/remind" % a, {})[0], 200)
        s, r = self.api("POST", "/api/v1/items/%d/remind" % a, {})
        self.assertEqual(s, 422, r)                  # the next one is not due yet
        # removal recorded when seen: a after 20 h, b after 80 h
        self.set_clock(day + "5T00:00:00Z")
        s, r = self.api("POST", "/api/v1/items/%d/removed" % a, {"at": day + "2T09:00:00Z"})
        self.assertEqual(s, 200, r)
        s, r = self.api("POST", "/api/v1/items/%d/removed" % b, {"at": day + "4T22:00:00Z"})
        self.assertEqual(s, 200, r)
        s, r = self.api("POST", "/api/v1/items/%d/removed" % b, {"at": "2099-01-01"})
        self.assertEqual(s, 422, r)
        s, st = self.api("GET", "/api/v1/stats?from=2031-03-01&to=2031-03-01")
        self.assertEqual(s, 200, st)
        o = st["overall"]
        self.assertEqual(o["items"], 2)
        t = o["times"]
        # report->assessment: 2 h, 4 h; assessment->notice: 3 h, 2 h;
        # notice->removal: 20 h, 80 h; report->removal: 25 h, 86 h
        self.assertEqual((t["report_to_assessment"]["median_s"],
                          t["report_to_assessment"]["p90_s"]), (7200, 14400))
        self.assertEqual((t["assessment_to_notice"]["median_s"],
                          t["assessment_to_notice"]["p90_s"]), (7200, 10800))
        self.assertEqual((t["notice_to_removal"]["median_s"],
                          t["notice_to_removal"]["p90_s"]), (72000, 288000))
        self.assertEqual((t["report_to_removal"]["median_s"],
                          t["report_to_removal"]["p90_s"]), (90000, 309600))
        self.assertEqual(o["removed_within"]["1d"], 0)
        self.assertEqual(o["removed_within"]["3d"], 1)
        self.assertEqual(o["removed_within"]["7d"], 2)
        self.assertEqual([c["key"] for c in st["country"]], ["BE"])
        self.assertEqual(st["network"][0]["key"], "AS64500 Example Hosting BE")
        # the CLI and the CSV export agree, and hold no personal data
        r = cli(self.srv, "stats", "--from", "2031-03-01", "--to", "2031-03-01",
                "--format", "json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["overall"], o)
        r = cli(self.srv, "stats", "--from", "2031-03-01", "--to", "2031-03-01")
        rows = list(csv.DictReader(io.StringIO(r.stdout)))
        allrow = [x for x in rows if x["dimension"] == "all"][0]
        self.assertEqual(allrow["notice_to_removal_p50_s"], "72000")
        self.assertNotIn("@", r.stdout)
        self.assertNotIn("http", r.stdout)
        for bad in (["--from", "2031-13-01", "--to", "2031-03-01"],
                    ["--from", "2031-03-02", "--to", "2031-03-01"],
                    ["--from", "2031-03-01", "--to", "2031-03-01", "--format", "xml"]):
            self.assertEqual(cli(self.srv, "stats", *bad).returncode, 1, bad)
        self.set_clock("")

    def test_06_console_pages(self):
        analyst = self.add_user("analyst")
        sess = self.login_as(analyst)[0]
        self.change_password(sess)
        s, h, b = sess.get("/items")
        self.assertEqual(s, 200)
        self.assertIn(b"example.org/gallery/a", b)
        it = self.item_of("http://example.org/gallery/a?x=1")
        s, h, b = sess.get("/items/%d" % it["id"])
        self.assertEqual(s, 200)
        self.assertIn(b"<code id=\"item-url\">http://example.org/gallery/a?x=1</code>", b)
        self.assertNotIn(b"href=\"http://example.org", b)  # never a link
        s, h, b = sess.get("/stats?from=2031-03-01&to=2031-03-01")
        self.assertEqual(s, 200)
        self.assertIn(b"<svg", b)
        self.assertIn(b"table-country", b)
        s, h, b = sess.get("/stats?from=junk")
        self.assertEqual(s, 400)
        s, h, b = sess.get("/stats.csv?from=2031-03-01&to=2031-03-01")
        self.assertEqual(s, 200)
        self.assertTrue(b.startswith(b"dimension,key,items"))
        # assess through the console form, with the CSRF token
        self.report(["http://nl.test/console"])
        it = self.item_of("http://nl.test/console")
        s, h, b = sess.post("/items/%d/assess" % it["id"],
                            {"csrf": sess.csrf, "outcome": "not_illegal"})
        self.assertEqual(s, 303, b[:300])
        self.assertEqual(self.item_of("http://nl.test/console")["state"], "not_illegal")
        s, h, b = sess.post("/items/%d/assess" % it["id"], {"outcome": "illegal"})
        self.assertEqual(s, 403)
        # the directory: analysts read it, only admins and supervisors edit it
        s, h, b = sess.get("/directory")
        self.assertEqual(s, 200)
        self.assertIn(b"sample, to check", b)
        s, h, b = sess.post("/directory", {"csrf": sess.csrf, "type": "hotline"})
        self.assertEqual(s, 403)
        sup = self.login_as(self.add_user("supervisor"))[0]
        self.change_password(sup)
        s, h, b = sup.post("/directory", {"csrf": sup.csrf, "type": "hotline", "name": "X",
                                          "country": "IT", "email": "it@example.org",
                                          "language": "en"})
        self.assertEqual(s, 303, b[:300])
        s, h, b = sup.post("/directory", {"csrf": sup.csrf, "type": "hotline", "name": "Y",
                                          "country": "Italy", "email": "x@example.org"})
        self.assertEqual(s, 422)
        self.directory_edit(sess, sup)

    def directory_edit(self, analyst, sup):
        """A directory entry edited in place: the form comes pre-filled, the
        change is kept under the same id and audited, an edited sample entry
        is no longer a sample; bad values keep the entry as it was."""
        con = self.srv.db()
        try:
            eid, name = con.execute("SELECT id, name FROM directory WHERE sample = 1"
                                    " AND type = 'hotline' ORDER BY id LIMIT 1").fetchone()
        finally:
            con.close()
        s, h, b = sup.get("/directory")
        self.assertIn(('href="/directory/%d"' % eid).encode(), b)
        s, h, b = sup.get("/directory/%d" % eid)
        self.assertEqual(s, 200, b[:300])
        self.assertIn(('action="/directory/%d"' % eid).encode(), b)
        self.assertIn(html.escape(name, quote=True).encode(), b)
        self.assertIn(b'value="hotline" selected', b)
        # analysts read the directory but do not edit it
        s, h, b = analyst.get("/directory/%d" % eid)
        self.assertEqual(s, 403)
        s, h, b = analyst.post("/directory/%d" % eid, {"csrf": analyst.csrf, "type": "hotline",
                                                       "name": "Z", "country": "NL",
                                                       "email": "z@example.org"})
        self.assertEqual(s, 403)
        # without the CSRF token: refused
        s, h, b = sup.post("/directory/%d" % eid, {"type": "hotline", "name": "Z",
                                                   "country": "NL", "email": "z@example.org"})
        self.assertEqual(s, 403)
        good = {"csrf": sup.csrf, "type": "hotline", "name": "Meldpunt (checked)",
                "country": "NL", "email": "meldpunt@example.org", "language": "nl"}
        for bad in ({"country": "Netherlands"}, {"email": "not an address"}, {"name": ""},
                    {"type": "bank"}, {"language": "xx"}, {"name": "x" * 5000}):
            s, h, b = sup.post("/directory/%d" % eid, dict(good, **bad))
            self.assertEqual(s, 422, bad)
            self.assertIn(b'id="dir-error"', b)
        s, h, b = sup.post("/directory/%d" % eid, good)
        self.assertEqual(s, 303, b[:300])
        con = self.srv.db()
        try:
            row = con.execute("SELECT name, country, email, language, sample FROM directory"
                              " WHERE id = ?", (eid,)).fetchone()
            self.assertEqual(row, ("Meldpunt (checked)", "NL", "meldpunt@example.org", "nl", 0))
            n = con.execute("SELECT count(*) FROM audit_log WHERE action = 'directory.edit'"
                            " AND object_id = ?", (str(eid),)).fetchone()[0]
            self.assertEqual(n, 1)
        finally:
            con.close()
        for path in ("/directory/0", "/directory/99999999", "/directory/abc", "/directory/-1"):
            s, h, b = sup.get(path)
            self.assertEqual(s, 404, path)
            s, h, b = sup.post(path, good)
            self.assertEqual(s, 404, path)

    def test_07_hostile(self):
        for path in ("/api/v1/items/0", "/api/v1/items/-1", "/api/v1/items/abc",
                     "/api/v1/items/99999999"):
            s, j = self.api("GET", path)
            self.assertEqual(s, 404, path)
        s, j = self.api("GET", "/api/v1/items?limit=100000")
        self.assertEqual(s, 422)
        it = self.item_of("http://example.org/gallery/a?x=1")
        for body in ({"outcome": "maybe"}, {"outcome": ""}, {"outcome": ["illegal"]},
                     {"outcome": "illegal", "x": {"y": 1}}):
            s, j = self.api("POST", "/api/v1/items/%d/assess" % it["id"], body)
            self.assertEqual(s, 422, body)
        h = {"Authorization": "Bearer " + self.analyst_key(), "Content-Type": "application/json"}
        s, hd, b = self.con("POST", "/api/v1/items/%d/assess" % it["id"], h, b"{not json")
        self.assertEqual(s, 400)
        s, hd, b = self.con("POST", "/api/v1/items/%d/assess" % it["id"], h, b"[" * 70000)
        self.assertEqual(s, 413)
        s, j = self.api("POST", "/api/v1/items/%d/notify" % it["id"], {"rules": "x" * 500})
        self.assertEqual(s, 422)
        # the test clock is for admins only
        s, j = self.api("POST", "/api/v1/test/clock", {"now": "2030-01-01"})
        self.assertEqual(s, 403)


if __name__ == "__main__":
    unittest.main()
