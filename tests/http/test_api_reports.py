#!/usr/bin/env python3
"""JSON API, success paths: filing each kind of report, receipt formats,
status look-ups (secret forms accepted), identical 404s, additions."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (ServerTestCase, SIMPLE_REPORT, SECRET_RE, NUMBER_RE,  # noqa: E402
                     damm_valid, make_number, parse_json)


class ApiReports(ServerTestCase):
    # many wrong look-ups below: keep the rate limit out of the way
    SERVER_ARGS = ["--lookup-limit", "100000"]

    def check_receipt(self, j):
        self.assertEqual(set(j.keys()), {"number", "secret", "state"}, j)
        self.assertRegex(j["number"], NUMBER_RE)
        self.assertTrue(damm_valid(j["number"].replace("-", "")),
                        "bad Damm check digit: %s" % j["number"])
        self.assertRegex(j["secret"], SECRET_RE)
        self.assertEqual(len(j["secret"].replace("-", "")), 28)
        self.assertEqual(j["state"], "received")

    def post_ok(self, obj):
        before = self.srv.count_reports()
        s, h, j = self.srv.api_report(obj)
        self.assertEqual(s, 201, j)
        self.assertTrue(h.get("Content-Type", "").startswith("application/json"),
                        h.get("Content-Type"))
        self.check_receipt(j)
        self.assertEqual(self.srv.count_reports(), before + 1,
                         "201 answered but no row committed")
        return j

    def test_abuse_material(self):
        self.post_ok({"kind": "abuse_material",
                      "urls": ["https://example.org/page", "http://site.test/a?b=c#d"],
                      "where": "website"})

    def test_abuse_material_minimal(self):
        self.post_ok({"kind": "abuse_material", "urls": ["https://example.org/x"]})

    def test_exploitation(self):
        self.post_ok({"kind": "exploitation",
                      "description": "Someone online keeps asking a child for photos.",
                      "exploitation_type": "grooming", "where": "social_media"})

    def test_immediate_danger(self):
        self.post_ok({"kind": "immediate_danger",
                      "description": "I saw a suspicious page about a child.",
                      "location": "Example Street 1, Testville"})

    def test_every_allowed_value(self):
        for where in ("website", "social_media", "messaging", "forum",
                      "file_sharing", "email", "other"):
            self.post_ok({"kind": "abuse_material", "where": where,
                          "urls": ["https://example.org/" + where]})
        for et in ("grooming", "sextortion", "prostitution", "trafficking", "other"):
            self.post_ok({"kind": "exploitation", "exploitation_type": et,
                          "description": "I saw a suspicious page"})
        for lang in ("en", "fr", "nl", "de"):
            self.post_ok({"kind": "immediate_danger", "language": lang,
                          "description": "I saw a suspicious page"})

    def test_full_report_with_contact(self):
        self.post_ok({
            "kind": "abuse_material",
            "urls": ["https://example.org/page"],
            "where": "forum",
            "description": "I saw a suspicious page.\n\tSecond line.",
            "exploitation_type": "other",
            "location": "unknown",
            "language": "fr",
            "contact": {"name": "Alex Example", "email": "alex@example.org",
                        "phone": "+32 (0)2 555.01-23/4", "may_contact": True},
        })

    def test_contact_partial(self):
        self.post_ok({"kind": "exploitation", "description": "I saw a suspicious page",
                      "contact": {"email": "someone@example.org", "may_contact": False}})
        self.post_ok({"kind": "exploitation", "description": "I saw a suspicious page",
                      "contact": {"phone": "+32 2 555 01 23"}})

    def test_unicode_text(self):
        self.post_ok({"kind": "exploitation",
                      "description": "Ceci est un test: élève, Straße, 日本, emoji \U0001F600"})

    def test_max_urls(self):
        self.post_ok({"kind": "abuse_material",
                      "urls": ["https://example.org/%d" % i for i in range(50)]})

    def test_numbers_and_secrets_unique(self):
        numbers, secrets = set(), set()
        for _ in range(20):
            j = self.post_ok(SIMPLE_REPORT)
            numbers.add(j["number"])
            secrets.add(j["secret"])
        self.assertEqual(len(numbers), 20)
        self.assertEqual(len(secrets), 20)

    # ---- status
    def status_json(self, number, secret):
        s, h, b = self.srv.api_status(number, secret)
        return s, h, b, parse_json(b)

    def test_status_right_secret(self):
        number, secret = self.file_report()
        s, h, b, j = self.status_json(number, secret)
        self.assertEqual(s, 200, b)
        self.assertTrue(h.get("Content-Type", "").startswith("application/json"))
        self.assertEqual({k: j.get(k) for k in ("number", "state", "message")},
                         {"number": number, "state": "received", "message": None})
        self.assertEqual(j.get("state_label"), "Received")

    def test_status_secret_forms(self):
        number, secret = self.file_report()
        for form in (secret.lower(), secret.replace("-", ""),
                     secret.replace("-", "").lower(),
                     secret[:9].lower() + secret[9:]):
            s, _, b, j = self.status_json(number, form)
            self.assertEqual(s, 200, "secret %r: %r" % (form, b))
            self.assertEqual(j["number"], number)

    def test_status_number_forms(self):
        number, secret = self.file_report()
        for form in (number.replace("-", ""), number.replace("-", "%20")):
            s, _, b, j = self.status_json(form, secret)
            self.assertEqual(s, 200, "number %r: %r" % (form, b))
            self.assertEqual(j["number"], number)

    def test_status_crockford_lookalikes(self):
        # O reads as 0, I and L as 1: find a secret with a 0 and one with a 1
        done0 = done1 = False
        for _ in range(40):
            number, secret = self.file_report()
            if "0" in secret and not done0:
                for repl in ("O", "o"):
                    s, _, b, _j = self.status_json(number, secret.replace("0", repl))
                    self.assertEqual(s, 200, "0->%s: %r" % (repl, b))
                done0 = True
            if "1" in secret and not done1:
                for repl in ("I", "i", "L", "l"):
                    s, _, b, _j = self.status_json(number, secret.replace("1", repl))
                    self.assertEqual(s, 200, "1->%s: %r" % (repl, b))
                done1 = True
            if done0 and done1:
                break
        self.assertTrue(done0 and done1, "no secret with both 0 and 1 in 40 tries")

    def test_wrong_secret_and_wrong_number_identical(self):
        number, secret = self.file_report()
        number2, secret2 = self.file_report()
        # a wrong secret of the right shape: change the last character
        last = secret[-1]
        wrong_secret = secret[:-1] + ("X" if last != "X" else "Y")
        # a well-formed number (valid check digit) that was not issued
        wrong_number = None
        for i in range(1000):
            cand = make_number("%08d" % (12345670 + i))
            if cand not in (number, number2):
                wrong_number = cand
                break
        answers = []
        for n, sec in ((number, wrong_secret), (wrong_number, secret),
                       (number, secret2), (number2, secret),
                       (number, "0000-0000-0000-0000-0000-0000-0000")):
            s, h, b, j = self.status_json(n, sec)
            self.assertEqual(s, 404, (n, sec, b))
            self.assertTrue(h.get("Content-Type", "").startswith("application/json"))
            self.assertEqual(j["errors"][0]["field"], None)
            self.assertEqual(j["errors"][0]["code"], "not_found")
            self.assertEqual(len(j["errors"]), 1)
            answers.append((b, h.get("Content-Type")))
        for a in answers[1:]:
            self.assertEqual(a, answers[0], "404 answers differ")

    def test_bad_check_digit_is_not_found(self):
        number, secret = self.file_report()
        d = number.replace("-", "")
        bad = d[:8] + str((int(d[8]) + 1) % 10)
        s, _, b, j = self.status_json(bad, secret)
        self.assertEqual(s, 404, b)
        self.assertEqual(j["errors"][0]["code"], "not_found")

    def test_status_without_secret_refused(self):
        number, _secret = self.file_report()
        s, _, b = self.srv.get("/api/v1/reports/%s/status" % number)
        self.assertNotEqual(s, 200, b)
        self.assertNotIn(b"received", b)

    # ---- additions
    def additions(self, number, secret, obj):
        s, h, b = self.srv.post_json("/api/v1/reports/%s/additions" % number, obj,
                                     {"Authorization": "Bearer " + secret})
        return s, h, b, parse_json(b)

    def test_additions(self):
        number, secret = self.file_report()
        for body in ({"text": "I found one more page."},
                     {"urls": ["https://example.org/more", "http://other.test/"]},
                     {"text": "Both.", "urls": ["https://example.org/both"]}):
            s, h, b, j = self.additions(number, secret, body)
            self.assertEqual(s, 201, b)
            self.assertEqual({k: j.get(k) for k in ("number", "state")},
                         {"number": number, "state": "received"})
        # the secret in another form works too
        s, _, b, _ = self.additions(number, secret.lower().replace("-", ""),
                                    {"text": "Lower case secret."})
        self.assertEqual(s, 201, b)
        # the report still answers
        s, _, b, j = self.status_json(number, secret)
        self.assertEqual(s, 200, b)

    def test_additions_empty_refused(self):
        number, secret = self.file_report()
        for body in ({}, {"text": ""}, {"urls": []}, {"text": "", "urls": []}):
            s, _, b, j = self.additions(number, secret, body)
            self.assertEqual(s, 422, (body, b))
            self.assertErrorBody(j, 422, "required", msg=repr(body))

    def test_additions_validated(self):
        number, secret = self.file_report()
        s, _, b, j = self.additions(number, secret,
                                    {"urls": ["https://example.org/", "ftp://example.org/x"]})
        self.assertEqual(s, 422, b)
        self.assertErrorBody(j, 422, "url.scheme", "urls[1]")
        s, _, b, j = self.additions(number, secret, {"text": "x", "extra": 1})
        self.assertEqual(s, 422, b)
        self.assertErrorBody(j, 422, "unknown", "extra")

    def test_additions_wrong_secret(self):
        number, secret = self.file_report()
        _n2, secret2 = self.file_report()
        s, _, b1, j = self.additions(number, secret2, {"text": "hello"})
        self.assertEqual(s, 404, b1)
        self.assertEqual(j["errors"][0]["code"], "not_found")
        s, _, b2, j = self.additions(make_number("99999998"), secret, {"text": "hello"})
        self.assertEqual(s, 404, b2)
        self.assertEqual(b1, b2)


if __name__ == "__main__":
    unittest.main()
