#!/usr/bin/env python3
"""The e-mail corpus (tests/data/mail): each NAME.eml read by `hotline mail
parse --json` gives what NAME.json expects (see make_corpus.py for the
keys); then the whole corpus through `hotline mail ingest --maildir`:
usable messages become reports (channel email, kind needs_triage, parse
warnings kept), the others go to quarantine with their reason, nothing is
taken twice, and no sender's address is stored in clear."""

import glob
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import REPO, hotline_bin, run_cli  # noqa: E402

CORPUS = os.path.join(REPO, "tests", "data", "mail")


def corpus():
    out = []
    for eml in sorted(glob.glob(os.path.join(CORPUS, "*.eml"))):
        with open(eml[:-4] + ".json", encoding="utf-8") as f:
            out.append((os.path.basename(eml)[:-4], eml, json.load(f)))
    return out


def parse(path):
    r = run_cli(["mail", "parse", "--json", path], timeout=60)
    return r, json.loads(r.stdout) if r.stdout.strip() else None


class Corpus(unittest.TestCase):
    maxDiff = None

    def test_each_message(self):
        cases = corpus()
        self.assertGreaterEqual(len(cases), 20)
        for name, path, want in cases:
            with self.subTest(name):
                r, got = parse(path)
                self.assertIsNotNone(got, "%s: %s" % (name, r.stderr))
                self.assertEqual(got["usable"], want["usable"], got)
                self.assertEqual(r.returncode, 0 if want["usable"] else 4, r.stderr)
                if not want["usable"]:
                    self.assertEqual(got.get("reason"), want["reason"])
                    continue
                for key in ("from", "from_name", "subject", "date", "message_id", "language"):
                    if key in want:
                        self.assertEqual(got.get(key), want[key], key)
                for s in want.get("text_contains", []):
                    self.assertIn(s, got["text"])
                for s in want.get("text_excludes", []):
                    self.assertNotIn(s, got["text"])
                if "urls" in want:
                    self.assertEqual(got["urls"], want["urls"])
                if "attachments" in want:
                    self.assertEqual(got["attachments"], want["attachments"])
                if "warnings" in want:
                    self.assertEqual(sorted(got["warnings"]), sorted(want["warnings"]))
                if "forwarded" in want:
                    self.assertEqual(got["forwarded"], want["forwarded"])
                # the text is clean UTF-8 without controls but tab and LF
                for ch in got["text"]:
                    self.assertFalse(ord(ch) < 32 and ch not in "\t\n", repr(ch))

    def test_truncations_of_every_message(self):
        # every prefix length class of every message parses without a crash
        tmp = tempfile.mkdtemp(prefix="hotline-mailcut-")
        self.addCleanup(shutil.rmtree, tmp, True)
        for name, path, want in corpus():
            with open(path, "rb") as f:
                data = f.read()
            for cut in sorted({1, 7, len(data) // 3, len(data) // 2, len(data) - 3}):
                if cut <= 0 or cut >= len(data):
                    continue
                p = os.path.join(tmp, "cut.eml")
                with open(p, "wb") as f:
                    f.write(data[:cut])
                r = run_cli(["mail", "parse", "--json", p], timeout=60)
                with self.subTest("%s cut at %d" % (name, cut)):
                    self.assertIn(r.returncode, (0, 4), r.stderr[-500:])
                    self.assertTrue(json.loads(r.stdout).get("usable") in (True, False))


class CorpusIngest(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="hotline-mailin-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.data = os.path.join(self.tmp, "var")
        r = run_cli(["init", "--data", self.data])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.maildir = os.path.join(self.tmp, "Maildir")
        for sub in ("new", "cur", "tmp"):
            os.makedirs(os.path.join(self.maildir, sub))
        self.cases = corpus()
        for name, path, want in self.cases:
            shutil.copy(path, os.path.join(self.maildir, "new", "1700000000.%s.host" % name))

    def db(self):
        return sqlite3.connect(os.path.join(self.data, "hotline.db"))

    def test_maildir(self):
        r = run_cli(["mail", "ingest", "--maildir", self.maildir, "--data", self.data], timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        usable = [c for c in self.cases if c[2]["usable"]]
        unusable = [c for c in self.cases if not c[2]["usable"]]
        self.assertIn("taken %d, taken before 0, quarantined %d, left in new 0"
                      % (len(usable), len(unusable)), r.stdout)
        self.assertEqual(os.listdir(os.path.join(self.maildir, "new")), [])
        cur = sorted(os.listdir(os.path.join(self.maildir, "cur")))
        self.assertEqual(cur, sorted("1700000000.%s.host" % c[0] for c in usable))
        q = os.path.join(self.maildir, "quarantine")
        for name, _, want in unusable:
            fn = "1700000000.%s.host" % name
            self.assertTrue(os.path.exists(os.path.join(q, fn)), fn)
            with open(os.path.join(q, fn + ".reason")) as f:
                self.assertEqual(f.read().strip(), want["reason"])
        con = self.db()
        rows = con.execute("SELECT channel, kind, parse_warnings, subject FROM reports").fetchall()
        self.assertEqual(len(rows), len(usable))
        self.assertTrue(all(r[0] == "email" and r[1] == "needs_triage" for r in rows))
        warned = {r[3]: r[2] for r in rows}
        self.assertIn("boundary", warned["Broken boundary"])
        self.assertIn("base64", warned["Bad base64"])
        self.assertIsNone(warned["Worrying website"])
        # attachments: name, type, size and hashes, never the bytes
        atts = con.execute("SELECT name, type, size, hex(sha256) FROM report_attachments"
                           " ORDER BY name").fetchall()
        names = [a[0] for a in atts]
        self.assertIn("files.zip", names)
        self.assertIn("blue square.png", names)
        con.close()
        # no sender address in clear anywhere in the database
        blob = b""
        for fn in os.listdir(self.data):
            if fn.startswith("hotline.db"):
                with open(os.path.join(self.data, fn), "rb") as f:
                    blob += f.read()
        for name, _, want in usable:
            if want.get("from"):
                self.assertNotIn(want["from"].encode(), blob, name)
        self.assertNotIn(b"\x00" * 4096 * 4, blob.replace(b"\x00" * 65536, b""))  # no zip payload

        # the same messages delivered again: nothing taken twice
        for name, path, want in usable:
            shutil.copy(path, os.path.join(self.maildir, "new", "1800000000.%s.again" % name))
        r = run_cli(["mail", "ingest", "--maildir", self.maildir, "--data", self.data], timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("taken 0, taken before %d, quarantined 0" % len(usable), r.stdout)
        con = self.db()
        self.assertEqual(con.execute("SELECT count(*) FROM reports").fetchone()[0], len(usable))
        con.close()

    def test_stdin(self):
        by = {c[0]: c for c in self.cases}

        def ingest(path):
            with open(path, "rb") as f:
                return subprocess.run([hotline_bin(), "mail", "ingest", "--data", self.data],
                                      stdin=f, capture_output=True, timeout=60)
        r = ingest(by["plain_en_utf8"][1])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout.decode(), r"^report \d{3}-\d{3}-\d{3}\n$")
        number = r.stdout.decode().split()[1]
        r = ingest(by["plain_en_utf8"][1])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.decode(), "already taken as report %s\n" % number)
        for name in ("empty_body", "not_a_message"):
            r = ingest(by[name][1])
            self.assertEqual(r.returncode, 4, r.stderr)
            self.assertIn(by[name][2]["reason"], r.stderr.decode())
        # a message without Message-ID is recognised by its bytes
        r1 = ingest(by["no_message_id_mbox"][1])
        r2 = ingest(by["no_message_id_mbox"][1])
        self.assertEqual(r1.returncode, 0)
        self.assertTrue(r2.stdout.decode().startswith("already taken as report "))
        # an empty standard input and one too large
        r = subprocess.run([hotline_bin(), "mail", "ingest", "--data", self.data],
                           input=b"", capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 4)
        big = b"From: big@example.org\r\nSubject: big\r\n\r\n" + b"x" * (33 << 20)
        r = subprocess.run([hotline_bin(), "mail", "ingest", "--data", self.data],
                           input=big, capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 4)
        self.assertIn(b"mail.too_big", r.stderr)
        con = self.db()
        self.assertEqual(con.execute("SELECT count(*) FROM reports").fetchone()[0], 2)
        con.close()

    def test_usage(self):
        for args in (["mail"], ["mail", "bogus"], ["mail", "ingest", "extra"],
                     ["mail", "ingest", "--quarantine", "/tmp/x"], ["mail", "queue", "--state", "x"],
                     ["mail", "send-test"], ["mail", "send-test", "--to", "not an address"]):
            r = run_cli(args + ["--data", self.data])
            self.assertEqual(r.returncode, 1, args)
        r = run_cli(["mail", "--help"])
        self.assertEqual(r.returncode, 0)
        for word in ("ingest", "--maildir", "--quarantine", "queue", "flush", "send-test", "75"):
            self.assertIn(word, r.stdout)
        r = run_cli(["mail", "ingest", "--maildir", os.path.join(self.tmp, "nope"),
                     "--data", self.data])
        self.assertEqual(r.returncode, 75)


if __name__ == "__main__":
    unittest.main()
