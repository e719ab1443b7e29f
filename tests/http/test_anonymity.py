#!/usr/bin/env python3
"""Reporters stay anonymous: no IP address and no clear-text contact
details in the data folder or in the server's output; secret.key is 0600."""

import base64
import os
import stat
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, parse_json  # noqa: E402

NAME = "Quillon Marbleworth"
EMAIL = "quillon.marbleworth@example.org"
PHONE = "+32 2 555 01 99"
NAME2 = "Yselde Vantongeren"
EMAIL2 = "yselde.vantongeren@site.test"
PHONE2 = "+32 (0)9 555.77-31"
UA = "Mozilla/5.0 uamarker-7q3zk"
XFF = "203.0.113.77"
REFERER = "https://referrer.test/refmarker-k2p9"


def b64_variants(s):
    """Base64 of S at the three byte alignments, edges trimmed."""
    out = []
    raw = s.encode()
    for pad in range(3):
        enc = base64.b64encode(b"\0" * pad + raw)[4:-4]
        out.append(enc)
    return out


CLEAR = [NAME, "Quillon", "Marbleworth", EMAIL, "quillon.marbleworth", PHONE,
         "3225550199", NAME2, "Vantongeren", EMAIL2, "yselde.vantongeren", PHONE2,
         "uamarker-7q3zk", XFF, "refmarker-k2p9"]
IP_TEXT = ["127.0.0.1", "2130706433", "::ffff:127.0.0.1", "7f000001"]
IP_BINARY = [b"\x7f\x00\x00\x01"]


class Anonymity(unittest.TestCase):
    maxDiff = 2000

    @classmethod
    def setUpClass(cls):
        cls.srv = Server(["--lookup-limit", "3"])
        cls.srv.start()
        cls.exercise(cls.srv)

    @classmethod
    def tearDownClass(cls):
        cls.srv.cleanup()

    @staticmethod
    def exercise(srv):
        """Files reports with contact details on every channel, looks them up,
        adds to them and fails look-ups (so the rate limiter sees the IP)."""
        hdr = {"User-Agent": UA, "X-Forwarded-For": XFF, "X-Real-IP": XFF,
               "Forwarded": "for=" + XFF, "Referer": REFERER}
        s, _, b = srv.post_json("/api/v1/reports", {
            "kind": "abuse_material", "urls": ["https://example.org/anon-1"],
            "description": "I saw a suspicious page", "language": "en",
            "contact": {"name": NAME, "email": EMAIL, "phone": PHONE, "may_contact": True}},
            hdr)
        assert s == 201, b
        j = parse_json(b)
        srv.numbers = [(j["number"], j["secret"])]
        s, _, b = srv.post_form("/report", {
            "lang": "fr", "kind": "exploitation", "description": "I saw a suspicious page",
            "exploitation_type": "grooming", "contact_wanted": "yes",
            "contact_name": NAME2, "contact_email": EMAIL2, "contact_phone": PHONE2}, hdr)
        assert s == 200, b[:500]
        s, _, b = srv.post_json("/api/v1/reports", {
            "kind": "immediate_danger", "description": "I saw a suspicious page",
            "location": "Example Street 1, Testville",
            "contact": {"email": EMAIL, "may_contact": False}}, hdr)
        assert s == 201, b
        number, secret = srv.numbers[0]
        auth = dict(hdr, Authorization="Bearer " + secret)
        srv.get("/api/v1/reports/%s/status" % number, auth)
        srv.post_json("/api/v1/reports/%s/additions" % number,
                      {"text": "One more page.", "urls": ["https://example.org/anon-2"]}, auth)
        srv.post_form("/status", {"number": number, "secret": secret}, hdr)
        srv.post_form("/status/add", {"number": number, "secret": secret,
                                      "text": "Another page."}, hdr)
        bad = dict(hdr, Authorization="Bearer " + "0" * 28)
        for _ in range(5):      # past the limit of 3: 404s then 429s
            srv.get("/api/v1/reports/%s/status" % number, bad)
            srv.post_form("/status", {"number": number, "secret": "WRONG"}, hdr)
        for path in ("/", "/report?kind=abuse_material", "/help", "/no-such-page"):
            srv.get(path, hdr)

    def data_files(self):
        out = {}
        for root, _dirs, files in os.walk(self.srv.data):
            for name in files:
                p = os.path.join(root, name)
                with open(p, "rb") as f:
                    out[os.path.relpath(p, self.srv.data)] = f.read()
        return out

    def scan(self, blobs, where, skip_ip_lines=False):
        for label, data in blobs.items():
            low = data.lower()
            for needle in CLEAR:
                self.assertNotIn(needle.lower().encode(), low,
                                 "%s %s holds %r in clear text" % (where, label, needle))
            for needle in (EMAIL, EMAIL2, NAME):
                for enc in b64_variants(needle):
                    self.assertNotIn(enc, data, "%s %s holds base64 of %r" % (where, label, needle))
            text = data
            if skip_ip_lines:
                # the startup lines "public http://..." and "console http://..."
                # carry the listen address by contract
                text = b"\n".join(l for l in data.split(b"\n")
                                  if not l.startswith((b"public http", b"console http")))
            for needle in IP_TEXT:
                self.assertNotIn(needle.encode(), text.lower(),
                                 "%s %s holds the client address (%s)" % (where, label, needle))
            if not skip_ip_lines:
                for needle in IP_BINARY:
                    self.assertNotIn(needle, text, "%s %s holds 127.0.0.1 in binary" % (where, label))

    def logs(self):
        out = {}
        for name in os.listdir(self.srv.logs):
            with open(os.path.join(self.srv.logs, name), "rb") as f:
                out[name] = f.read()
        return out

    def test_1_data_folder_while_running(self):
        files = self.data_files()
        self.assertIn("hotline.db", files)
        self.assertGreaterEqual(self.srv.count_reports(), 3)
        self.scan(files, "data folder (running):")

    def test_1_output_while_running(self):
        self.scan(self.logs(), "server output:", skip_ip_lines=True)

    def test_2_after_stop(self):
        rc = self.srv.stop()
        self.assertNotEqual(rc, -9, "serve did not stop on SIGTERM")
        self.scan(self.data_files(), "data folder (stopped):")
        self.scan(self.logs(), "server output:", skip_ip_lines=True)
        self.srv.start()
        number, secret = self.srv.numbers[0]
        s, _, b = self.srv.api_status(number, secret)
        self.assertEqual(s, 200, b)

    def test_secret_key_mode(self):
        p = os.path.join(self.srv.data, "secret.key")
        st = os.stat(p)
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o600, oct(st.st_mode))
        self.assertEqual(st.st_size, 32)

    def test_startup_lines(self):
        lines = self.srv.startup_lines
        self.assertEqual(len(lines), 3, lines)
        self.assertRegex(lines[0], r"^public http://127\.0\.0\.1:\d+$")
        self.assertRegex(lines[1], r"^console http://127\.0\.0\.1:\d+$")
        self.assertEqual(lines[2], "ready")


if __name__ == "__main__":
    unittest.main()
