#!/usr/bin/env python3
"""The awareness campaign on the public listener: /campaign, its
methodology, the FAQ, the share card and the data files, in four
languages; every displayed amount recomputed in Python from the shipped
CSV files; the banner on the home page and report form within the
profile's campaign dates and not outside; no cookies, no third-party
resources, no inline script; hostile query parameters; a broken sources
file stopping `hotline serve` with file, row and column."""

import csv
import io
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Doc, REPO, Server, ServerTestCase, hotline_bin  # noqa: E402

LANGS = ["en", "fr", "nl", "de"]
DATA = os.path.join(REPO, "data", "campaign")
EXAMPLE = os.path.join(REPO, "data", "profiles", "example-be.conf")
SPANS = {"second": 31536000, "minute": 525600, "hour": 8760, "day": 365, "year": 1}


def read_csv(name):
    with open(os.path.join(DATA, name), newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def expected_amounts(currency="EUR"):
    """{(scope, span, bound): amount} worked out from the CSV files."""
    src = {r["id"]: r for r in read_csv("sources.csv")}
    conv = read_csv("conversions.csv")
    periods = {r["from"]: float(r["value"]) for r in conv if r["kind"] == "period"}
    out = {}
    for e in read_csv("estimates.csv"):
        total = src[e["total"]]
        year = total["reference_year"][:4]
        mult = {"billion": 1e9, "million": 1e6}.get(total["unit"].split()[0], 1)
        fx = 1.0
        if total["currency"] != currency:
            for r in conv:
                if r["kind"] == "fx" and r["year"] == year:
                    if (r["from"], r["to"]) == (currency, total["currency"]):
                        fx = 1 / float(r["value"])
                    elif (r["from"], r["to"]) == (total["currency"], currency):
                        fx = float(r["value"])
        infl = [float(r["value"]) for r in conv
                if r["kind"] == "inflation" and r["year"] == year][0]
        pvc = float(src[e["per_victim_central"]]["value"])
        for bound in ("low", "central", "high"):
            pv = float(src[e["per_victim_" + bound]]["value"])
            yearly = float(total["value"]) * mult * pv / pvc * infl * fx
            for span, per in periods.items():
                out[(e["scope"], span, bound)] = yearly / per
    return out


def png_check(test, data, width, height):
    """Parses a PNG: signature, chunk CRCs, IHDR size, IDAT inflating to
    exactly the rows IHDR announces, IEND last."""
    test.assertEqual(data[:8], b"\x89PNG\r\n\x1a\n")
    pos, chunks, idat = 8, [], b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        test.assertEqual(zlib.crc32(kind + body) & 0xffffffff, crc, kind)
        chunks.append(kind)
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        if kind == b"IDAT":
            idat += body
        pos += 12 + length
    test.assertEqual(chunks[0], b"IHDR")
    test.assertEqual(chunks[-1], b"IEND")
    test.assertEqual((w, h), (width, height))
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[ctype]
    rowbytes = (w * channels * depth + 7) // 8
    test.assertEqual(len(zlib.decompress(idat)), h * (1 + rowbytes))


def write_profile(tmp, extra):
    with open(EXAMPLE, encoding="utf-8") as f:
        text = f.read()
    path = os.path.join(tmp, "profile.conf")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text + "\n" + extra)
    return path


class CampaignInDates(unittest.TestCase):
    """A server whose campaign runs from 2000 to 2999: the banner shows."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="hotline-campaign-")
        prof = write_profile(cls.tmp, "campaign_start = 2000-01-01\ncampaign_end = 2999-12-31\n"
                                      "public_url = https://hotline.example.org\n")
        cls.srv = Server(["--profile", prof])
        cls.srv.start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.cleanup()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def get(self, path, **kw):
        s, h, b = self.srv.get(path, **kw)
        self.assertIsNone(h.get("Set-Cookie"), path)
        return s, h, b

    def test_pages_in_every_language(self):
        for lang in LANGS:
            for path in ("/campaign", "/campaign/methodology", "/campaign/faq"):
                s, h, b = self.get("%s?lang=%s" % (path, lang))
                self.assertEqual(s, 200, path)
                self.assertTrue(h.get("Content-Type").startswith("text/html"))
                doc = Doc(b.decode("utf-8"))
                self.assertEqual(doc.html_lang(), lang, path)
            # the FAQ answers the six questions of the brief, and more
            doc = Doc(self.get("/campaign/faq?lang=" + lang)[2].decode())
            self.assertGreaterEqual(len(doc.find_all("section", cls="faq-q")), 6)
            text = b"".join(self.get("/campaign/faq?lang=" + lang)[2:]).decode()
            self.assertIn("/report", text)
            self.assertIn("report@example.org", text)

    def test_amounts_match_the_data_files(self):
        want = expected_amounts("EUR")
        scopes = sorted({k[0] for k in want})
        self.assertIn("world", scopes)
        for scope in scopes:
            for span in ("minute", "hour", "day", "year"):
                s, _, b = self.get("/campaign?span=%s&scope=%s" % (span, scope))
                self.assertEqual(s, 200)
                doc = Doc(b.decode())
                est = doc.by_id("estimate")
                self.assertEqual((est.get("data-span"), est.get("data-scope")), (span, scope))
                for bound in ("low", "central", "high"):
                    node = doc.find("div", cls="bound", **{"data-bound": bound})
                    got = float(node.get("data-exact"))
                    self.assertAlmostEqual(got, want[(scope, span, bound)],
                                           delta=want[(scope, span, bound)] * 1e-9)
                    # every figure names its sources, and they exist
                    links = [a.get("href") for a in doc.descendants(node) if a.tag == "a"]
                    self.assertTrue(links)
                    for href in links:
                        self.assertRegex(href, r"^/campaign/methodology\?lang=en#src-S[0-9.]+$")
                counter = doc.by_id("counter")
                self.assertTrue("hidden" in counter.attrs)
                self.assertAlmostEqual(float(counter.get("data-rate-central")),
                                       want[(scope, "second", "central")], delta=1e-3)
        # the methodology shows the same numbers, step by step
        doc = Doc(self.get("/campaign/methodology")[2].decode())
        for scope in scopes:
            sec = doc.by_id("est-" + scope)
            items = [n for n in doc.descendants(sec) if n.tag == "li" and n.get("data-span")]
            self.assertEqual(len(items), 12)
            for n in items:
                bound = n.parent.parent.get("data-bound")
                self.assertAlmostEqual(float(n.get("data-exact")),
                                       want[(scope, n.get("data-span"), bound)], delta=1e-3)
        # the shown, rounded figure: world, minute, central
        doc = Doc(self.get("/campaign?span=minute&scope=world&lang=en")[2].decode())
        shown = doc.find("dd", cls="amount").text
        central = want[("world", "minute", "central")]
        self.assertEqual(shown, "EUR {:,}".format(int(round(central, -3))))

    def test_methodology_lists_every_source(self):
        rows = read_csv("sources.csv")
        doc = Doc(self.get("/campaign/methodology")[2].decode())
        for r in rows:
            tr = doc.by_id("src-" + r["id"])
            self.assertIsNotNone(tr, r["id"])
            self.assertEqual(tr.get("data-check"), r["check"])
            a = [n for n in doc.descendants(tr) if n.tag == "a"][0]
            self.assertEqual(a.get("href"), r["url"])
            self.assertIn("noreferrer", a.get("rel"))
        for c in read_csv("conversions.csv"):
            self.assertIsNotNone(doc.by_id("conv-" + c["id"]))
        # the raw files, as shipped
        for name in ("sources.csv", "conversions.csv", "estimates.csv"):
            s, h, b = self.get("/campaign/data/" + name)
            self.assertEqual(s, 200)
            self.assertTrue(h.get("Content-Type").startswith("text/csv"))
            with open(os.path.join(DATA, name), "rb") as f:
                self.assertEqual(b, f.read())

    def test_no_third_party_resources_no_inline_script(self):
        for lang in LANGS:
            for path in ("/campaign", "/campaign/methodology", "/campaign/faq", "/",
                         "/report?kind=exploitation"):
                s, h, b = self.get("%s%slang=%s" % (path, "&" if "?" in path else "?", lang))
                self.assertEqual(s, 200)
                doc = Doc(b.decode())
                for n in doc.nodes:
                    for attr in ("src", "action", "data", "poster"):
                        if n.get(attr) is not None:
                            self.assertTrue(n.get(attr).startswith("/"), (path, n))
                    if n.tag == "link":
                        self.assertTrue(n.get("href").startswith("/"), (path, n))
                    if n.tag in ("iframe", "object", "embed"):
                        self.fail("%s in %s" % (n.tag, path))
                    if n.tag == "script":
                        self.assertEqual(n.get("src"), "/static/campaign.js")
                        self.assertEqual(n.text.strip(), "")
                    if n.tag == "a" and re.match(r"https?://", n.get("href", "")):
                        self.assertIn("noreferrer", n.get("rel", ""), n)
                    for k in n.attrs:
                        self.assertFalse(k.startswith("on"), (path, n))
                csp = h.get("Content-Security-Policy")
                self.assertNotIn("unsafe", csp)
                if path == "/campaign":
                    self.assertIn("script-src 'self'", csp)
                else:
                    self.assertNotIn("script-src", csp)
        s, h, b = self.get("/static/campaign.js")
        self.assertEqual(s, 200)
        self.assertTrue(h.get("Content-Type").startswith("text/javascript"))
        self.assertNotIn(b"fetch(", b)
        self.assertNotIn(b"XMLHttpRequest", b)
        self.assertNotIn(b"cookie", b)
        self.assertNotIn(b"localStorage", b)

    def test_open_graph_and_share_links(self):
        doc = Doc(self.get("/campaign?lang=nl")[2].decode())
        metas = {m.get("property"): m.get("content") for m in doc.find_all("meta")
                 if m.get("property")}
        self.assertEqual(metas["og:image"], "https://hotline.example.org/campaign/share.png?lang=nl")
        self.assertEqual(metas["og:url"], "https://hotline.example.org/campaign?lang=nl")
        self.assertEqual((metas["og:image:width"], metas["og:image:height"]), ("1200", "630"))
        self.assertTrue(metas["og:title"])
        self.assertIn("EUR", metas["og:description"])
        links = [a.get("href") for a in doc.find_all("a")]
        self.assertTrue(any(h.startswith("mailto:?subject=") for h in links))
        self.assertTrue(any(h.startswith("https://www.facebook.com/sharer/sharer.php?u=https%3A%2F%2Fhotline.example.org")
                            for h in links))

    def test_share_card(self):
        for lang in LANGS:
            for q in ("", "&scope=europe", "&scope=%3Cscript%3E"):
                s, h, b = self.get("/campaign/share.png?lang=%s%s" % (lang, q))
                self.assertEqual(s, 200)
                self.assertEqual(h.get("Content-Type"), "image/png")
                png_check(self, b, 1200, 630)
        # the scope changes the card
        a = self.get("/campaign/share.png?scope=world")[2]
        b = self.get("/campaign/share.png?scope=europe")[2]
        self.assertNotEqual(a, b)

    def test_banner_within_dates(self):
        for lang in LANGS:
            for path in ("/", "/report?kind=abuse_material", "/report?kind=immediate_danger",
                         "/report"):
                sep = "&" if "?" in path else "?"
                doc = Doc(self.get(path + sep + "lang=" + lang)[2].decode())
                banner = doc.find("aside", cls="campaign-banner")
                self.assertIsNotNone(banner, path)
                hrefs = [a.get("href") for a in doc.descendants(banner) if a.tag == "a"]
                self.assertEqual(hrefs, ["/campaign?lang=" + lang])
            # not on the other pages
            doc = Doc(self.get("/status?lang=" + lang)[2].decode())
            self.assertIsNone(doc.find("aside", cls="campaign-banner"))

    def test_country_scope(self):
        doc = Doc(self.get("/campaign?scope=country&lang=fr")[2].decode())
        self.assertIsNone(doc.by_id("estimate"))  # no money for a country
        panel = doc.by_id("country")
        self.assertIsNotNone(panel)
        items = [n for n in doc.descendants(panel) if n.tag == "li"]
        self.assertTrue(items)
        be = {r["id"] for r in read_csv("sources.csv") if r["area"] == "BE"}
        for li in items:
            ids = re.findall(r"S\d+\.\d+", li.text)
            self.assertTrue(ids and ids[-1] in be, li.text)

    def test_hostile_query(self):
        hostile = [
            "span=%3Cscript%3Ealert(1)%3C/script%3E", "scope=../../etc/passwd",
            "scope=%00", "span=" + "m" * 5000, "lang=%22%3E%3Cx", "scope=country%27",
            "span=minute&span=year", "scope=WORLD", "span=-1", "%ff%fe=%ff",
        ]
        for q in hostile:
            s, h, b = self.get("/campaign?" + q)
            self.assertEqual(s, 200, q)
            text = b.decode("utf-8")
            self.assertNotIn("<script>alert", text)
            self.assertNotIn("passwd", text)
            self.assertNotIn("\"><x", text)
            doc = Doc(text)
            est = doc.by_id("estimate")
            self.assertIn(est.get("data-span"), ("minute", "hour", "day", "year"))
            self.assertIn(est.get("data-scope"), ("world", "europe"))
        for path in ("/campaign/data/../../var/secret.key", "/campaign/data/secret.key",
                     "/campaign/data/", "/campaign/data/sources.csv/x", "/campaign/nothing"):
            s, h, b = self.get(path)
            self.assertEqual(s, 404, path)
        s, h, _ = self.srv.request("POST", "/campaign", {"Content-Type": "text/plain"}, b"x")
        self.assertEqual(s, 405)
        s, _, _ = self.srv.get("/campaign", listener="console")
        self.assertEqual(s, 404)


class CampaignOutsideDates(ServerTestCase):
    """The shipped example profile's dates are in the past for this test's
    profile: no banner, but the campaign pages are still served."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="hotline-campaign-")
        prof = write_profile(cls.tmp, "campaign_start = 2001-01-01\ncampaign_end = 2001-01-02\n")
        cls.SERVER_ARGS = ["--profile", prof]
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_no_banner_pages_served(self):
        for lang in LANGS:
            for path in ("/", "/report?kind=exploitation"):
                sep = "&" if "?" in path else "?"
                s, _, b = self.srv.get(path + sep + "lang=" + lang)
                self.assertEqual(s, 200)
                self.assertNotIn(b"campaign-banner", b)
            for path in ("/campaign", "/campaign/methodology", "/campaign/faq",
                         "/campaign/share.png"):
                s, _, _ = self.srv.get(path + "?lang=" + lang)
                self.assertEqual(s, 200, path)


class CampaignBadData(unittest.TestCase):
    """A broken file in DATA/campaign/ stops `hotline serve`, naming the
    file, row and column; a good copy there is used instead of the
    shipped one."""

    def serve(self, data):
        return subprocess.run(
            [hotline_bin(), "serve", "--data", data, "--listen", "127.0.0.1:0",
             "--console-listen", "127.0.0.1:0"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            timeout=60, text=True)

    def test_broken_files_stop_serve(self):
        with open(os.path.join(DATA, "sources.csv"), encoding="utf-8") as f:
            lines = f.read().split("\n")
        header = lines[0].split(",")
        idx = {name: i for i, name in enumerate(header)}
        row = next(i for i, l in enumerate(lines) if l.startswith("S04.9,"))

        def with_row(change):
            rows = list(csv.reader(io.StringIO("\n".join(lines))))
            change(rows)
            out = io.StringIO()
            csv.writer(out, lineterminator="\n").writerows(rows)
            return out.getvalue()

        cases = [
            ("missing column",
             with_row(lambda rs: [r.pop(idx["currency"]) for r in rs if r]),
             'row 1, column "currency"'),
            ("unknown currency",
             with_row(lambda rs: rs[row].__setitem__(idx["currency"], "ZZZ")),
             'row %d, column "currency"' % (row + 1)),
            ("negative figure",
             with_row(lambda rs: rs[row].__setitem__(idx["value"], "-172.6")),
             'row %d, column "value"' % (row + 1)),
            ("broken url",
             with_row(lambda rs: rs[row].__setitem__(idx["url"], "https//statista.com")),
             'row %d, column "url"' % (row + 1)),
        ]
        for label, text, want in cases:
            tmp = tempfile.mkdtemp(prefix="hotline-campaign-bad-")
            try:
                os.makedirs(os.path.join(tmp, "var", "campaign"))
                with open(os.path.join(tmp, "var", "campaign", "sources.csv"), "w",
                          encoding="utf-8") as f:
                    f.write(text)
                p = self.serve(os.path.join(tmp, "var"))
                self.assertNotEqual(p.returncode, 0, label)
                self.assertNotIn("ready", p.stdout, label)
                self.assertIn("campaign/sources.csv", p.stderr, label)
                self.assertIn(want, p.stderr, label)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)

    def test_own_copy_is_used(self):
        tmp = tempfile.mkdtemp(prefix="hotline-campaign-own-")
        try:
            os.makedirs(os.path.join(tmp, "var", "campaign"))
            with open(os.path.join(DATA, "estimates.csv"), encoding="utf-8") as f:
                text = f.read()
            only_world = "\n".join(l for l in text.split("\n") if not l.startswith("europe"))
            with open(os.path.join(tmp, "var", "campaign", "estimates.csv"), "w") as f:
                f.write(only_world)
            srv = Server(tmpdir=tmp)
            srv.start()
            try:
                s, _, b = srv.get("/campaign?scope=europe")
                self.assertEqual(s, 200)
                self.assertEqual(Doc(b.decode()).by_id("estimate").get("data-scope"), "world")
                self.assertNotIn(b'value="europe"', b)
                s, _, b = srv.get("/campaign/data/estimates.csv")
                self.assertEqual(b.decode(), only_world)
            finally:
                srv.stop()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
