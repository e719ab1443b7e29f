#!/usr/bin/env python3
"""201 answers, kept for reuse. Each server thread keeps the 201s it has
sent and makes its next 201 from one, changing only the body and Location
(server.c, reply_created). This checks, with one and with many keep-alive
clients at once, that every receipt goes to the request that filed it, in
its own language, with the same headers as a 201 made afresh, and that no
header of a 201 leaks into another answer."""

import http.client
import json
import os
import sys
import threading
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ServerTestCase, NUMBER_RE, SECRET_RE  # noqa: E402

LANGS = ("en", "fr", "nl", "de")
# headers that are the same on every 201 of the API (Date and Location vary)
VARYING = {"date", "location", "content-length"}


def report(i):
    return {"kind": "abuse_material",
            "urls": ["https://example.org/keepalive/%d" % i],
            "where": "website"}


class KeepAliveAnswers(ServerTestCase):
    SERVER_ARGS = ["--lookup-limit", "1000000"]

    def connect(self):
        u = urllib.parse.urlsplit(self.srv.public)
        return http.client.HTTPConnection(u.hostname, u.port, timeout=60)

    @staticmethod
    def post(conn, obj, lang=None, query=""):
        headers = {"Content-Type": "application/json"}
        if lang:
            headers["Accept-Language"] = lang
        conn.request("POST", "/api/v1/reports" + query, body=json.dumps(obj).encode(),
                     headers=headers)
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, resp.msg, body

    @staticmethod
    def fixed_headers(h):
        return sorted((k.lower(), v) for k, v in h.items() if k.lower() not in VARYING)

    def check_201(self, status, h, body, lang):
        self.assertEqual(status, 201, body)
        j = json.loads(body)
        self.assertEqual(set(j), {"number", "secret", "state"}, j)
        self.assertRegex(j["number"], NUMBER_RE)
        self.assertRegex(j["secret"], SECRET_RE)
        self.assertEqual(j["state"], "received")
        self.assertEqual(h.get("Location"), "/api/v1/reports/%s/status" % j["number"])
        self.assertEqual(h.get("Content-Language"), lang)
        self.assertEqual(h.get("Content-Length"), str(len(body)))
        self.assertEqual(len(h.get_all("Location")), 1)
        return j

    def test_one_connection_many_reports(self):
        """Ten reports on one connection: ten receipts, each its own, with
        the headers of a 201 on a fresh connection."""
        s, h, b = self.srv.post_json("/api/v1/reports", report(0),
                                     {"Accept-Language": "fr"})
        fresh = self.fixed_headers(h)
        self.check_201(s, h, b, "fr")
        conn = self.connect()
        seen = set()
        try:
            for i in range(10):
                s, h, b = self.post(conn, report(i), "fr")
                j = self.check_201(s, h, b, "fr")
                self.assertEqual(self.fixed_headers(h), fresh)
                self.assertNotIn(j["number"], seen)
                seen.add(j["number"])
        finally:
            conn.close()

    def test_languages_and_other_answers_between(self):
        """On one connection: 201s in changing languages, with a 422, a 415,
        a 404 and a status look-up between them. Only 201s carry a Location,
        and each answer has its own language."""
        conn = self.connect()
        try:
            last = None
            for i, lang in enumerate(("en", "fr", "fr", "nl", "de", "en")):
                # the language by query once, by Accept-Language otherwise
                if i == 2:
                    s, h, b = self.post(conn, report(100 + i), "de", "?lang=fr")
                else:
                    s, h, b = self.post(conn, report(100 + i), lang)
                j = self.check_201(s, h, b, lang)
                self.assertNotEqual(j, last)
                last = j
                s, h, b = self.post(conn, {"kind": "abuse_material"}, lang)
                self.assertEqual(s, 422, b)
                self.assertIsNone(h.get("Location"))
                self.assertEqual(h.get("Content-Language"), lang)
                conn.request("POST", "/api/v1/reports", body=b"kind=x",
                             headers={"Content-Type": "text/plain"})
                r = conn.getresponse()
                r.read()
                self.assertEqual(r.status, 415)
                self.assertIsNone(r.getheader("Location"))
                conn.request("GET", "/api/v1/reports/%s/status" % j["number"],
                             headers={"Authorization": "Bearer " + j["secret"],
                                      "Accept-Language": lang})
                r = conn.getresponse()
                st = json.loads(r.read())
                self.assertEqual(r.status, 200)
                self.assertEqual(st["number"], j["number"])
                self.assertIsNone(r.getheader("Location"))
                conn.request("GET", "/no/such/page")
                r = conn.getresponse()
                r.read()
                self.assertEqual(r.status, 404)
                self.assertIsNone(r.getheader("Location"))
        finally:
            conn.close()

    def test_many_clients_at_once(self):
        """24 keep-alive clients in four languages file 15 reports each at the
        same time: every receipt is unique, in its client's language, and its
        secret opens its own report and no other."""
        clients, per = 24, 15
        results = [None] * clients
        errors = []

        def client(n):
            lang = LANGS[n % len(LANGS)]
            conn = self.connect()
            got = []
            try:
                for i in range(per):
                    s, h, b = self.post(conn, report(1000 + n * per + i), lang)
                    got.append((s, h.get("Location"), h.get("Content-Language"), b))
            except Exception as e:  # noqa: BLE001 (reported below)
                errors.append(repr(e))
            finally:
                conn.close()
            results[n] = (lang, got)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        self.assertEqual(errors, [])
        receipts = []
        for lang, got in results:
            self.assertEqual(len(got), per)
            for s, loc, cl, b in got:
                self.assertEqual(s, 201, b)
                j = json.loads(b)
                self.assertEqual(loc, "/api/v1/reports/%s/status" % j["number"])
                self.assertEqual(cl, lang)
                receipts.append(j)
        numbers = [j["number"] for j in receipts]
        secrets = [j["secret"] for j in receipts]
        self.assertEqual(len(set(numbers)), clients * per)
        self.assertEqual(len(set(secrets)), clients * per)
        for k, j in enumerate(receipts):
            s, _, b = self.srv.api_status(j["number"], j["secret"])
            self.assertEqual(s, 200, b)
            self.assertEqual(json.loads(b)["number"], j["number"])
            if k % 15 == 0:  # and not another's (a sample: lookups are slow on purpose)
                other = receipts[(k + 1) % len(receipts)]
                s, _, _ = self.srv.api_status(other["number"], j["secret"])
                self.assertEqual(s, 404)


if __name__ == "__main__":
    unittest.main()
