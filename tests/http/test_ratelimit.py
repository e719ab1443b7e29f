#!/usr/bin/env python3
"""Failed status look-ups are limited per client (--lookup-limit 5): the
sixth failed look-up gets 429 with Retry-After, on the API and on the
pages alike, while the right secret keeps working."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Server, ServerTestCase, SIMPLE_REPORT, Doc, parse_json,  # noqa: E402
                     make_number)

LIMIT = 5


def wrong(secret):
    return secret[:-1] + ("X" if secret[-1] != "X" else "Y")


class RateLimit(ServerTestCase):
    """A fresh server for each test so each starts with a clean count."""

    @classmethod
    def setUpClass(cls):
        pass

    @classmethod
    def tearDownClass(cls):
        pass

    def setUp(self):
        self.srv = Server(["--lookup-limit", str(LIMIT)])
        self.srv.start()
        self.addCleanup(self.srv.cleanup)
        self.number, self.secret = self.file_report(SIMPLE_REPORT)

    def api_fail(self):
        s, h, b = self.srv.api_status(self.number, wrong(self.secret))
        return s, h, b

    def form_fail(self):
        return self.srv.post_form("/status", {"lang": "en", "number": self.number,
                                              "secret": wrong(self.secret)})

    def assert429(self, s, h, b, api):
        self.assertEqual(s, 429, b[:300])
        ra = h.get("Retry-After")
        self.assertIsNotNone(ra, "429 without Retry-After")
        self.assertRegex(ra.strip(), r"^\d+$")
        self.assertGreater(int(ra), 0)
        if api:
            self.assertErrorBody(b, 429, "rate_limited", None)
        else:
            self.assertTrue(h.get("Content-Type", "").startswith("text/html"))

    def assert_right_secret_works(self):
        s, _, b = self.srv.api_status(self.number, self.secret)
        self.assertEqual(s, 200, b)
        self.assertEqual(parse_json(b)["state"], "received")
        s, _, b = self.srv.post_form("/status", {"lang": "en", "number": self.number,
                                                 "secret": self.secret})
        self.assertEqual(s, 200, b[:300])
        self.assertEqual(Doc(b.decode()).by_id("report-state").get("data-state"), "received")

    def test_api_limit(self):
        for i in range(LIMIT):
            s, _, b = self.api_fail()
            self.assertEqual(s, 404, "failed look-up %d: %r" % (i + 1, b))
        self.assert429(*self.api_fail(), api=True)
        self.assert429(*self.api_fail(), api=True)
        self.assert429(*self.form_fail(), api=False)
        self.assert_right_secret_works()
        # still limited afterwards for wrong secrets
        self.assert429(*self.api_fail(), api=True)

    def test_form_limit(self):
        for i in range(LIMIT):
            s, _, b = self.form_fail()
            self.assertEqual(s, 404, "failed look-up %d" % (i + 1))
        self.assert429(*self.form_fail(), api=False)
        self.assert429(*self.api_fail(), api=True)
        s, h, b = self.srv.post_form("/status/add", {"lang": "en", "number": self.number,
                                                     "secret": wrong(self.secret),
                                                     "text": "more"})
        self.assert429(s, h, b, api=False)
        self.assert_right_secret_works()

    def test_mixed_channels_share_one_count(self):
        for _ in range(3):
            self.assertEqual(self.api_fail()[0], 404)
        for _ in range(LIMIT - 3):
            self.assertEqual(self.form_fail()[0], 404)
        self.assert429(*self.api_fail(), api=True)
        self.assert_right_secret_works()

    def test_successes_do_not_count(self):
        for _ in range(3 * LIMIT):
            s, _, _ = self.srv.api_status(self.number, self.secret)
            self.assertEqual(s, 200)
        for i in range(LIMIT):
            self.assertEqual(self.api_fail()[0], 404, "failed look-up %d" % (i + 1))
        self.assert429(*self.api_fail(), api=True)

    def test_wrong_number_counts(self):
        other = make_number("12345678")
        if other == self.number:
            other = make_number("12345679")
        for i in range(LIMIT):
            s, _, b = self.srv.api_status(other, self.secret)
            self.assertEqual(s, 404, "failed look-up %d" % (i + 1))
        self.assert429(*self.srv.api_status(other, self.secret), api=True)
        self.assert_right_secret_works()


if __name__ == "__main__":
    unittest.main()
