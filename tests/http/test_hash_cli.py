#!/usr/bin/env python3
"""`hotline hash`: the PDQ hash and quality of the reference images (both
pipelines), the exact digests against Python's hashlib, the --json format,
a truncated or missing file among good ones (the others still hashed, a
message naming the file, a non-zero exit), the pixel and size limits,
usage errors and --help.

The binary comes from $HOTLINE_BIN; the PDQ vectors from
$HOTLINE_SHARED_DIR/pdq-vectors (default: ../shared beside the checkout).
The test fails, rather than skips, when the vectors are missing."""

import csv
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SHARED = os.environ.get("HOTLINE_SHARED_DIR") or os.path.join(os.path.dirname(REPO), "shared")
VECTORS = os.path.join(SHARED, "pdq-vectors")


def hotline_bin():
    return os.environ.get("HOTLINE_BIN") or os.path.join(REPO, "build", "hotline")


def run(args, timeout=120):
    return subprocess.run([hotline_bin(), "hash"] + list(args), stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                          text=True, errors="replace")


def expected(name):
    """{path relative to the vectors folder: (hash, quality)} of expected/NAME."""
    path = os.path.join(VECTORS, "expected", name)
    rows = {}
    with open(path, newline="") as f:
        for row in csv.reader(f):
            if row:
                rows[row[2]] = (row[0], int(row[1]))
    return rows


def digests(path):
    with open(path, "rb") as f:
        data = f.read()
    return (hashlib.md5(data).hexdigest(), hashlib.sha1(data).hexdigest(),
            hashlib.sha256(data).hexdigest())


class HashCli(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        if not os.path.isfile(os.path.join(VECTORS, "expected", "fullres-noresize.csv")):
            raise AssertionError("the PDQ reference vectors are missing: expected them in %s "
                                 "(set HOTLINE_SHARED_DIR)" % VECTORS)

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="hotline-hash-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def check_pipeline(self, csv_name, extra):
        want = expected(csv_name)
        files = sorted(want)
        r = run(extra + [os.path.join(VECTORS, f) for f in files])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")
        lines = r.stdout.splitlines()
        self.assertEqual(len(lines), len(files))
        for rel, line in zip(files, lines):
            cols = line.split("\t")
            self.assertEqual(len(cols), 6, line)
            pdq, quality, md5, sha1, sha256, path = cols
            self.assertEqual(path, os.path.join(VECTORS, rel))
            self.assertEqual((pdq, int(quality)), want[rel], rel)
            self.assertEqual((md5, sha1, sha256), digests(path), rel)

    def test_library_pipeline_every_reference_image(self):
        self.check_pipeline("fullres-noresize.csv", [])

    def test_reference_resize_every_reference_image(self):
        self.check_pipeline("cli-512nn.csv", ["--reference-resize"])

    def test_json(self):
        want = expected("fullres-noresize.csv")
        files = ["data/misc-images/wee.jpg", "data/misc-images/c.png",
                 "data/misc-images/modes/F.webp"]
        r = run(["--json"] + [os.path.join(VECTORS, f) for f in files])
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(len(lines), 3)
        for rel, line in zip(files, lines):
            obj = json.loads(line)
            self.assertEqual(set(obj), {"file", "pdq", "quality", "md5", "sha1", "sha256"})
            self.assertEqual(obj["file"], os.path.join(VECTORS, rel))
            self.assertEqual((obj["pdq"], obj["quality"]), want[rel])
            self.assertIsInstance(obj["quality"], int)
            self.assertEqual((obj["md5"], obj["sha1"], obj["sha256"]), digests(obj["file"]))

    def test_json_file_name_escaped(self):
        src = os.path.join(VECTORS, "data/misc-images/wee.jpg")
        odd = os.path.join(self.tmp, 'a "quoted"\\ name\t.jpg')
        shutil.copyfile(src, odd)
        r = run(["--json", odd])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["file"], odd)

    def test_truncated_among_good_files(self):
        good1 = os.path.join(VECTORS, "data/misc-images/wee.jpg")
        good2 = os.path.join(VECTORS, "data/reg-test-input/pen-and-coaster.png")
        cut = os.path.join(self.tmp, "cut-short.jpg")
        with open(os.path.join(VECTORS, "data/bridge-mods/aaa-orig.jpg"), "rb") as f:
            data = f.read()
        with open(cut, "wb") as f:
            f.write(data[:len(data) // 2])
        missing = os.path.join(self.tmp, "no-such-file.png")
        for extra in ([], ["--json"]):
            r = run(extra + [good1, cut, missing, good2])
            self.assertEqual(r.returncode, 2, r.stderr)
            lines = r.stdout.splitlines()
            self.assertEqual(len(lines), 2, r.stdout)
            if extra:
                self.assertEqual([json.loads(x)["file"] for x in lines], [good1, good2])
            else:
                self.assertEqual([x.split("\t")[5] for x in lines], [good1, good2])
            err = r.stderr.splitlines()
            self.assertEqual(len(err), 2, r.stderr)
            self.assertIn(cut, err[0])
            self.assertIn("truncated", err[0])
            self.assertIn(missing, err[1])

    def test_not_an_image_and_empty(self):
        text = os.path.join(self.tmp, "notes.jpg")
        with open(text, "w") as f:
            f.write("not an image at all\n")
        empty = os.path.join(self.tmp, "empty.png")
        open(empty, "w").close()
        r = run([text, empty])
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stdout, "")
        self.assertIn(text, r.stderr)
        self.assertIn(empty, r.stderr)

    def test_limits(self):
        png = os.path.join(VECTORS, "data/misc-images/c.png")  # 1432 x 812
        r = run(["--max-pixels", "1000000", png])
        self.assertEqual(r.returncode, 2)
        self.assertIn(png, r.stderr)
        self.assertIn("limit", r.stderr)
        r = run(["--max-pixels", str(1432 * 812), png])
        self.assertEqual(r.returncode, 0, r.stderr)
        r = run(["--max-bytes", "1000", png])
        self.assertEqual(r.returncode, 2)
        self.assertIn("--max-bytes", r.stderr)

    def test_fast_mode_is_close(self):
        want = expected("fullres-noresize.csv")
        rel = "data/reg-test-input/exif-rotn/exif-rotn-1.jpg"  # 4032 x 3024
        r = run(["--fast", os.path.join(VECTORS, rel)])
        self.assertEqual(r.returncode, 0, r.stderr)
        got = int(r.stdout.split("\t")[0], 16)
        self.assertLessEqual(bin(got ^ int(want[rel][0], 16)).count("1"), 6)

    def test_usage_errors(self):
        for args in ([], ["--max-pixels", "0", "x"], ["--max-pixels", "ten", "x"],
                     ["--max-bytes", "-5", "x"], ["--no-such-option", "x"]):
            r = run(args)
            self.assertEqual(r.returncode, 1, args)
            self.assertIn("hotline hash", r.stderr)
            self.assertEqual(r.stdout, "")

    def test_help(self):
        r = run(["--help"])
        self.assertEqual(r.returncode, 0)
        for word in ("--json", "--reference-resize", "--max-pixels", "--max-bytes", "--fast",
                     "PDQ", "MD5", "SHA-1", "SHA-256", "Exit status", "JPEG", "PNG", "WebP",
                     "GIF", "BMP"):
            self.assertIn(word, r.stdout)
        top = subprocess.run([hotline_bin(), "--help"], stdout=subprocess.PIPE, text=True)
        self.assertRegex(top.stdout, r"\bhash\b")


if __name__ == "__main__":
    unittest.main(verbosity=2)
