#!/usr/bin/env python3
"""`hotline report set` changes what the reporter sees, while the server
runs: the status API and the status page show the new state and message."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ServerTestCase, SIMPLE_REPORT, Doc, parse_json, make_number, run_cli  # noqa: E402


def subset(j):
    """The fields the contract names; the answer may carry more."""
    return {k: j.get(k) for k in ("number", "state", "message")}

MESSAGE = "We forwarded your report to a partner hotline. Thank you."


class ReportSet(ServerTestCase):
    SERVER_ARGS = ["--lookup-limit", "100000"]

    def set(self, *args):
        return run_cli(["report", "set"] + list(args) + ["--data", self.srv.data])

    def api(self, number, secret):
        s, _, b = self.srv.api_status(number, secret)
        self.assertEqual(s, 200, b)
        return parse_json(b)

    def page(self, number, secret, lang="en"):
        s, h, b = self.srv.post_form("/status", {"lang": lang, "number": number,
                                                 "secret": secret})
        self.assertEqual(s, 200, b[:300])
        return Doc(b.decode("utf-8")), b

    def test_state_and_message(self):
        number, secret = self.file_report(SIMPLE_REPORT)
        r = self.set(number, "--state", "forwarded", "--message", MESSAGE)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(subset(self.api(number, secret)),
                         {"number": number, "state": "forwarded", "message": MESSAGE})
        doc, _ = self.page(number, secret)
        self.assertEqual(doc.by_id("report-state").get("data-state"), "forwarded")
        msg = doc.by_id("hotline-message")
        self.assertIsNotNone(msg, "no #hotline-message")
        self.assertIn(MESSAGE, " ".join(msg.text.split()))
        # the state is shown in the reporter's language too
        doc_fr, _ = self.page(number, secret, "fr")
        self.assertEqual(doc_fr.by_id("report-state").get("data-state"), "forwarded")
        self.assertNotEqual(doc.by_id("report-state").text.strip(),
                            doc_fr.by_id("report-state").text.strip())

    def test_each_state(self):
        number, secret = self.file_report(SIMPLE_REPORT)
        for state in ("under_analysis", "forwarded", "closed", "received"):
            r = self.set(number, "--state", state)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(self.api(number, secret)["state"], state)
            doc, _ = self.page(number, secret)
            self.assertEqual(doc.by_id("report-state").get("data-state"), state)
            self.assertIsNone(doc.by_id("hotline-message"))

    def test_message_only_and_state_only(self):
        number, secret = self.file_report(SIMPLE_REPORT)
        r = self.set(number, "--message", "First message.")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(subset(self.api(number, secret)),
                         {"number": number, "state": "received", "message": "First message."})
        r = self.set(number, "--state", "closed")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(subset(self.api(number, secret)),
                         {"number": number, "state": "closed", "message": "First message."})

    def test_number_forms(self):
        number, secret = self.file_report(SIMPLE_REPORT)
        r = self.set(number.replace("-", ""), "--state", "under_analysis")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.api(number, secret)["state"], "under_analysis")
        r = self.set(number.replace("-", " "), "--state", "closed")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.api(number, secret)["state"], "closed")

    def test_message_is_escaped(self):
        number, secret = self.file_report(SIMPLE_REPORT)
        text = 'Thanks <b>for</b> & "your" report'
        r = self.set(number, "--message", text)
        self.assertEqual(r.returncode, 0, r.stderr)
        doc, raw = self.page(number, secret)
        self.assertNotIn(b"<b>for</b>", raw)
        self.assertIn(text, doc.by_id("hotline-message").text)
        self.assertEqual(self.api(number, secret)["message"], text)

    def test_unknown_number(self):
        number, _ = self.file_report(SIMPLE_REPORT)
        other = make_number("24680135")
        if other == number:
            other = make_number("24680136")
        r = self.set(other, "--state", "forwarded")
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertTrue(r.stderr.strip(), "no message on stderr")

    def test_bad_arguments(self):
        number, secret = self.file_report(SIMPLE_REPORT)
        for args in ([number, "--state", "bogus"], [number, "--state"],
                     [number, "--frobnicate", "x"]):
            r = self.set(*args)
            self.assertEqual(r.returncode, 1, "%r: %s" % (args, r.stderr))
            self.assertTrue(r.stderr.strip(), "%r: no message on stderr" % (args,))
        r = run_cli(["report", "set", "--data", self.srv.data, "--state", "closed"])
        self.assertEqual(r.returncode, 1, "no number: %s" % r.stderr)
        self.assertEqual(self.api(number, secret)["state"], "received")


if __name__ == "__main__":
    unittest.main()
