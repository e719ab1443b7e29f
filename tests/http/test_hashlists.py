#!/usr/bin/env python3
"""Known-hash lists end to end (issue 4): `hotline hashlist` import, export,
list, set, disable and remove; a running server picking imports up without
a restart; API uploads hashed at intake and matched (exact and PDQ within
the list's threshold), ranked first after immediate danger, shown with
list, entry and distance on the report page and in the staff API; the
batch look-up endpoint; "add to the local list"; the admin pages; and
hostile input everywhere."""

import base64
import hashlib
import json
import os
import sys
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Doc, parse_json, run_cli  # noqa: E402
from test_console_common import ConsoleTestCase, form_body  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.environ.get("HOTLINE_SHARED_DIR",
                        os.path.join(HERE, "..", "..", "..", "shared"))
IMAGES = os.path.join(SHARED, "pdq-vectors", "data", "misc-images")


def image_paths():
    names = sorted(n for n in os.listdir(IMAGES)
                   if n.lower().endswith((".jpg", ".jpeg", ".png")))
    return [os.path.join(IMAGES, n) for n in names]


def flip_bits(hexhash, bits):
    v = int(hexhash, 16)
    for b in bits:
        v ^= 1 << b
    return "%064x" % v


def b64(data):
    return base64.b64encode(data).decode("ascii")


class HashLists(ConsoleTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.images = image_paths()[:3]
        r = run_cli(["hash", "--json"] + cls.images)
        assert r.returncode == 0, r.stderr
        cls.hashes = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]

    def tmpfile(self, text, suffix=".txt"):
        path = os.path.join(self.srv.tmp, uuid.uuid4().hex + suffix)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def list_name(self):
        return "l-" + uuid.uuid4().hex[:10]

    def lists(self):
        r = self.cli("hashlist", "list", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        return {l["name"]: l for l in json.loads(r.stdout)}

    def wait_match(self, report_body, want, timeout=10):
        """Files reports until the answer's matches satisfy want (the server
        follows list changes within about a second)."""
        deadline = time.monotonic() + timeout
        while True:
            s, _, j = self.srv.api_report(report_body)
            self.assertEqual(s, 201, j)
            rep = self.staff_report(j["number"])
            if want(rep["matches"]) or time.monotonic() > deadline:
                return rep
            time.sleep(0.3)

    def staff_report(self, number):
        if not hasattr(self.__class__, "key"):
            self.__class__.key = self.add_apikey("analyst")[1]
        s, h, b = self.con("GET", "/api/v1/reports/" + number,
                           {"Authorization": "Bearer " + self.key})
        self.assertEqual(s, 200, b[:300])
        return parse_json(b)

    def lookup(self, body, key=None, raw=None, ctype="application/json"):
        if not hasattr(self.__class__, "key"):
            self.__class__.key = self.add_apikey("analyst")[1]
        h = {"Authorization": "Bearer " + (key or self.key), "Content-Type": ctype}
        data = raw if raw is not None else json.dumps(body).encode()
        return self.con("POST", "/api/v1/hashes/lookup", h, data)

    # ---- the command line ------------------------------------------------

    def test_import_reports_bad_lines_and_is_idempotent(self):
        name = self.list_name()
        good = [hashlib.sha256(("x%d" % i).encode()).hexdigest() for i in range(50)]
        lines = good[:10] + ["not-a-hash", "", "# a comment"] + good[10:] + [good[0][:-1]]
        path = self.tmpfile("\n".join(lines) + "\n")
        r = self.cli("hashlist", "import", name, path, "--format", "sha256", "--json",
                     "--source", "test source")
        self.assertEqual(r.returncode, 4, r.stderr)  # done, but some lines were refused
        j = json.loads(r.stdout)
        self.assertEqual((j["added"], j["present"], j["bad"], j["lines"]), (50, 0, 2, 54))
        self.assertIn("%s:11:" % path, r.stderr)
        self.assertIn("%s:54:" % path, r.stderr)
        # the same file again changes nothing
        before = self.lists()[name]
        r = self.cli("hashlist", "import", name, path, "--format", "sha256", "--json")
        j = json.loads(r.stdout)
        self.assertEqual((j["added"], j["present"]), (0, 50))
        after = self.lists()[name]
        self.assertEqual(before, after)
        self.assertEqual(after["entries"], 50)
        self.assertEqual(after["source"], "test source")
        self.assertEqual(after["pdq_threshold"], 31)
        self.assertEqual(after["action"], "raise_priority")
        # a clean file exits 0
        r = self.cli("hashlist", "import", name, self.tmpfile(good[0] + "\n"), "--format",
                     "sha256")
        self.assertEqual(r.returncode, 0, r.stderr)
        # export gives the hashes back
        r = self.cli("hashlist", "export", name, "--format", "sha256")
        self.assertEqual(r.returncode, 0)
        self.assertEqual(sorted(r.stdout.split()), sorted(good))
        r = self.cli("hashlist", "export", name)
        rows = r.stdout.splitlines()
        self.assertEqual(rows[0], "algo,hash,disabled,added_at,meta")
        self.assertEqual(len(rows), 51)

    def test_csv_with_metadata_and_algo_column(self):
        name = self.list_name()
        md5 = hashlib.md5(b"a").hexdigest()
        sha1 = hashlib.sha1(b"b").hexdigest()
        text = ('hash,algo,case,"note, with comma"\n'
                '%s,md5,C-1,"said ""hello"""\n'
                '%s,sha1,C-2,\n'
                '%s,sha1\n'              # wrong number of columns
                '%s,whirlpool,C-3,x\n'   # unknown algorithm
                '"unterminated,md5,C-4,x\n' % (md5, sha1, sha1, md5))
        r = self.cli("hashlist", "import", name, self.tmpfile(text, ".csv"), "--format", "csv",
                     "--json")
        self.assertEqual(r.returncode, 4)
        j = json.loads(r.stdout)
        self.assertEqual((j["added"], j["bad"]), (2, 3))
        for line in (4, 5, 6):
            self.assertIn(":%d:" % line, r.stderr)
        r = self.cli("hashlist", "export", name)
        self.assertIn('""case"":""C-1""', r.stdout)
        self.assertIn('said \\""hello\\""', r.stdout)

    def test_csv_without_hash_column_refuses_every_line(self):
        name = self.list_name()
        r = self.cli("hashlist", "import", name, self.tmpfile("a,b\n1,2\n3,4\n", ".csv"),
                     "--format", "csv", "--json")
        self.assertEqual(r.returncode, 4)
        self.assertEqual(json.loads(r.stdout)["bad"], 3)

    def test_usage_errors(self):
        path = self.tmpfile("0" * 32 + "\n")
        for args, code in (
                (["hashlist"], 1),
                (["hashlist", "frobnicate"], 1),
                (["hashlist", "import", "x", path], 1),                       # no --format
                (["hashlist", "import", "x", path, "--format", "sha3"], 1),
                (["hashlist", "import", "bad name!", path, "--format", "md5"], 1),
                (["hashlist", "import", "x", path, "--format", "md5", "--threshold", "300"], 1),
                (["hashlist", "import", "x", path, "--format", "md5", "--action", "delete"], 1),
                (["hashlist", "import", "x", "/nonexistent/file", "--format", "md5"], 2),
                (["hashlist", "export", "no-such-list"], 3),
                (["hashlist", "remove", "no-such-list"], 3),
                (["hashlist", "disable", "no-such-list", "md5", "0" * 32], 3),
                (["hashlist", "set", "no-such-list", "--threshold", "3"], 3)):
            r = self.cli(*args)
            self.assertEqual(r.returncode, code, "%s: %s" % (args, r.stderr))
            self.assertTrue(r.stderr.strip(), args)
        r = run_cli(["hashlist", "--help"])
        self.assertEqual(r.returncode, 0)
        for word in ("import", "export", "list", "remove", "disable", "--format", "--threshold"):
            self.assertIn(word, r.stdout)

    def test_long_and_binary_lines_are_refused_not_fatal(self):
        name = self.list_name()
        good = hashlib.md5(b"z").hexdigest()
        path = os.path.join(self.srv.tmp, "long.txt")
        with open(path, "wb") as f:
            f.write(b"f" * 200000 + b"\n" + good.encode() + b"\n\xff\xfe\x00\x01\n")
        r = self.cli("hashlist", "import", name, path, "--format", "md5", "--json")
        j = json.loads(r.stdout)
        self.assertEqual((j["added"], j["bad"]), (1, 2), r.stderr)

    # ---- matching at intake -------------------------------------------------

    def test_upload_matches_exact_and_pdq_and_ranks_first(self):
        img = self.images[0]
        with open(img, "rb") as f:
            data = f.read()
        h = self.hashes[0]
        exact = self.list_name()
        near = self.list_name()
        r = self.cli("hashlist", "import", exact, self.tmpfile(h["sha256"] + "\n"),
                     "--format", "sha256", "--action", "previously_assessed")
        self.assertEqual(r.returncode, 0, r.stderr)
        # a PDQ 5 bits away: within 31
        near_hash = flip_bits(h["pdq"], [1, 30, 77, 140, 255])
        r = self.cli("hashlist", "import", near, self.tmpfile(near_hash + "\n"),
                     "--format", "pdq", "--action", "suggest_classification",
                     "--classification", "category-a")
        self.assertEqual(r.returncode, 0, r.stderr)
        body = {"kind": "abuse_material", "where": "website",
                "attachments": [{"name": "photo.jpg", "type": "image/jpeg", "data": b64(data)}]}
        rep = self.wait_match(body, lambda m: len({x["list"] for x in m} & {exact, near}) == 2)
        by_list = {m["list"]: m for m in rep["matches"]}
        self.assertEqual(by_list[exact]["algo"], "sha256")
        self.assertEqual(by_list[exact]["distance"], 0)
        self.assertEqual(by_list[exact]["action"], "previously_assessed")
        self.assertEqual(by_list[near]["algo"], "pdq")
        self.assertEqual(by_list[near]["distance"], 5)
        self.assertEqual(by_list[near]["attachment"], 0)
        self.assertEqual(rep["priority"], 1)
        att = rep["attachments"][0]
        self.assertEqual(att["sha256"], h["sha256"])
        self.assertEqual(att["md5"], h["md5"])
        self.assertEqual(att["pdq"], h["pdq"])
        self.assertEqual(att["size"], len(data))
        self.assertEqual(att["name"], "photo.jpg")
        # the bytes are nowhere in the data folder
        con = self.srv.db()
        try:
            for (blob,) in con.execute("SELECT md5 FROM report_attachments"):
                self.assertEqual(len(blob), 16)
        finally:
            con.close()
        with open(os.path.join(self.srv.data, "hotline.db"), "rb") as f:
            self.assertNotIn(data[1000:1064], f.read())
        # the queue ranks it before an ordinary report filed later
        s, _, j = self.srv.api_report({"kind": "abuse_material",
                                       "urls": ["https://example.org/later"]})
        s, _, b = self.con("GET", "/api/v1/reports?limit=500",
                           {"Authorization": "Bearer " + self.key})
        numbers = [x["number"] for x in parse_json(b)["reports"]]
        self.assertLess(numbers.index(rep["number"]), numbers.index(j["number"]))
        # the report page shows list, entry, distance and that no one needs to look again
        sess = self.staff_session("analyst")
        s, _, page = sess.get("/reports/" + rep["number"])
        self.assertEqual(s, 200)
        doc = Doc(page.decode())
        table = doc.by_id("report-matches")
        self.assertIsNotNone(table)
        text = " ".join(table.text.split())
        self.assertIn(exact, text)
        self.assertIn(near, text)
        self.assertIsNotNone(doc.by_id("previously-assessed"))
        self.assertIn("category-a", doc.by_id("suggested-classification").text)
        self.assertIn(h["pdq"], doc.by_id("report-attachments").text)

    def test_threshold_per_list_and_disable(self):
        h = self.hashes[1]
        name = self.list_name()
        far = flip_bits(h["pdq"], list(range(0, 80, 2)))  # 40 bits away
        r = self.cli("hashlist", "import", name, self.tmpfile(far + "\n"), "--format", "pdq")
        self.assertEqual(r.returncode, 0)
        res = self.lookup({"hashes": [{"algo": "pdq", "hash": h["pdq"]}]})
        deadline = time.monotonic() + 10
        body = {"hashes": [{"algo": "pdq", "hash": h["pdq"]}]}
        # 40 > 31: no match under the default threshold (wait for the list to load first
        # by raising the threshold, then lowering it again)
        r = self.cli("hashlist", "set", name, "--threshold", "45")
        self.assertEqual(r.returncode, 0, r.stderr)
        while True:
            s, _, b = self.lookup(body)
            self.assertEqual(s, 200, b)
            ms = [m for m in parse_json(b)["results"][0]["matches"] if m["list"] == name]
            if ms or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        self.assertEqual(len(ms), 1)
        self.assertEqual(ms[0]["distance"], 40)
        self.cli("hashlist", "set", name, "--threshold", "31")
        deadline = time.monotonic() + 10
        while True:
            ms = [m for m in parse_json(self.lookup(body)[2])["results"][0]["matches"]
                  if m["list"] == name]
            if not ms or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        self.assertEqual(ms, [])
        # max_distance in the request overrides the lists' thresholds
        b = parse_json(self.lookup(dict(body, max_distance=40))[2])
        self.assertIn(name, [m["list"] for m in b["results"][0]["matches"]])
        # disable the entry: no match, even with a wide distance; enable: back
        r = self.cli("hashlist", "disable", name, "pdq", far, "--reason", "false positive")
        self.assertEqual(r.returncode, 0, r.stderr)
        deadline = time.monotonic() + 10
        while True:
            b = parse_json(self.lookup(dict(body, max_distance=40))[2])
            if name not in [m["list"] for m in b["results"][0]["matches"]] or \
                    time.monotonic() > deadline:
                break
            time.sleep(0.3)
        self.assertNotIn(name, [m["list"] for m in b["results"][0]["matches"]])
        self.assertEqual(self.lists()[name]["disabled"], 1)
        r = self.cli("hashlist", "enable", name, "pdq", far)
        self.assertEqual(r.returncode, 0)
        deadline = time.monotonic() + 10
        while True:
            b = parse_json(self.lookup(dict(body, max_distance=40))[2])
            if name in [m["list"] for m in b["results"][0]["matches"]] or \
                    time.monotonic() > deadline:
                break
            time.sleep(0.3)
        self.assertIn(name, [m["list"] for m in b["results"][0]["matches"]])
        # removing the list removes its entries from matching
        r = self.cli("hashlist", "remove", name)
        self.assertEqual(r.returncode, 0)
        deadline = time.monotonic() + 10
        while True:
            b = parse_json(self.lookup(dict(body, max_distance=40))[2])
            if name not in [m["list"] for m in b["results"][0]["matches"]] or \
                    time.monotonic() > deadline:
                break
            time.sleep(0.3)
        self.assertNotIn(name, [m["list"] for m in b["results"][0]["matches"]])
        self.assertNotIn(name, self.lists())

    def test_submitted_hashes_match(self):
        name = self.list_name()
        md5 = hashlib.md5(b"submitted-" + name.encode()).hexdigest()
        self.cli("hashlist", "import", name, self.tmpfile(md5 + "\n"), "--format", "md5")
        rep = self.wait_match({"kind": "abuse_material",
                               "hashes": [{"algo": "md5", "hash": md5.upper()}]},
                              lambda m: any(x["list"] == name for x in m))
        m = [x for x in rep["matches"] if x["list"] == name][0]
        self.assertEqual((m["algo"], m["distance"], m["hash"]), ("md5", 0, 0))
        self.assertEqual(rep["hashes"], [{"algo": "md5", "hash": md5}])

    def test_report_without_match_keeps_priority(self):
        s, _, j = self.srv.api_report({"kind": "abuse_material", "attachments": [
            {"name": "notes.txt", "type": "text/plain", "data": b64(b"just some text")}]})
        self.assertEqual(s, 201, j)
        rep = self.staff_report(j["number"])
        self.assertEqual(rep["priority"], 0)
        self.assertEqual(rep["matches"], [])
        self.assertIsNone(rep["attachments"][0]["pdq"])
        self.assertEqual(rep["attachments"][0]["sha256"],
                         hashlib.sha256(b"just some text").hexdigest())

    def test_hostile_uploads(self):
        for body, field in (
                ({"kind": "abuse_material", "attachments": "x"}, "attachments"),
                ({"kind": "abuse_material", "attachments": [{"data": "!!!"}]},
                 "attachments[0].data"),
                ({"kind": "abuse_material", "attachments": [{"name": "a"}]},
                 "attachments[0].data"),
                ({"kind": "abuse_material", "attachments": [{"data": "", "x": 1}]},
                 "attachments[0].x"),
                ({"kind": "abuse_material", "attachments": [{"data": 5}]},
                 "attachments[0].data"),
                ({"kind": "abuse_material",
                  "attachments": [{"data": "AA=="}] * 21}, "attachments"),
                ({"kind": "abuse_material", "hashes": [{"algo": "md5", "hash": "12"}]},
                 "hashes[0].hash"),
                ({"kind": "abuse_material", "hashes": [{"algo": "crc32", "hash": "12"}]},
                 "hashes[0].algo"),
                ({"kind": "abuse_material", "hashes": [{"hash": "12"}]}, "hashes[0].algo"),
                ({"kind": "abuse_material", "hashes": [7]}, "hashes[0]")):
            s, _, j = self.srv.api_report(body)
            self.assertEqual(s, 422, (body, j))
            self.assertIn(field, [e.get("field") for e in j["errors"]], (body, j))
        # a corrupt image is still a report: hashed, without PDQ, with the reason
        png = open(self.images[0], "rb").read()[:300]
        s, _, j = self.srv.api_report({"kind": "abuse_material", "attachments": [
            {"name": "cut.jpg", "data": b64(png)}]})
        self.assertEqual(s, 201, j)
        rep = self.staff_report(j["number"])
        self.assertEqual(rep["attachments"][0]["problem"], "image.undecodable")
        # over the upload limit: 413, and the server lives on
        s, _, _ = self.srv.post_json("/api/v1/reports", None,
                                     raw=b'{"attachments":[{"data":"' + b"A" * (9 << 20) + b'"}]}')
        self.assertEqual(s, 413)
        self.assertAlive()

    def test_image_pixel_limit_from_profile_is_applied(self):
        # the default limit (100 megapixels) lets the reference images through
        rep_ok = self.srv.api_report({"kind": "abuse_material", "attachments": [
            {"data": b64(open(self.images[0], "rb").read())}]})
        self.assertEqual(rep_ok[0], 201)
        self.assertIsNotNone(self.staff_report(rep_ok[2]["number"])["attachments"][0]["pdq"])

    # ---- the batch look-up ----------------------------------------------------

    def test_lookup_batch_and_errors(self):
        name = self.list_name()
        sha1 = hashlib.sha1(name.encode()).hexdigest()
        self.cli("hashlist", "import", name, self.tmpfile(sha1 + "\n"), "--format", "sha1")
        other = hashlib.sha1(b"nothing").hexdigest()
        deadline = time.monotonic() + 10
        while True:
            s, _, b = self.lookup({"hashes": [{"algo": "sha1", "hash": sha1},
                                              {"algo": "sha1", "hash": other}]})
            self.assertEqual(s, 200, b)
            res = parse_json(b)["results"]
            if res[0]["matches"] or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        self.assertEqual(res[0]["hash"], sha1)
        self.assertEqual(res[0]["matches"][0]["list"], name)
        self.assertEqual(res[0]["matches"][0]["distance"], 0)
        self.assertIn("entry_id", res[0]["matches"][0])
        self.assertEqual(res[1]["matches"], [])
        # the look-up is audited
        self.assertTrue([a for a in self.audit() if a.get("action") == "hashes.lookup"])
        # bad bodies
        self.assertJsonError(self.lookup({}), 422, "required")
        self.assertJsonError(self.lookup({"hashes": "x"}), 422, "type")
        self.assertJsonError(self.lookup({"hashes": [], "other": 1}), 422, "unknown")
        self.assertJsonError(self.lookup({"hashes": [], "max_distance": 999}), 422, "invalid")
        self.assertJsonError(self.lookup({"hashes": [{"algo": "pdq", "hash": "zz"}]}), 422,
                             "hash.invalid")
        self.assertJsonError(self.lookup({"hashes": [{"algo": "md5", "hash": "0" * 32}] * 1001}),
                             422, "too_many")
        self.assertJsonError(self.lookup(None, raw=b"{not json"), 400, "json.malformed")
        s, _, _ = self.lookup(None, raw=b"{}", ctype="text/plain")
        self.assertEqual(s, 415)
        s, _, _ = self.lookup(None, raw=b"[" * 300000)
        self.assertEqual(s, 413)
        # no key, a wrong key, a role without access
        s, _, _ = self.con("POST", "/api/v1/hashes/lookup", {"Content-Type": "application/json"},
                           b'{"hashes":[]}')
        self.assertEqual(s, 401)
        s, _, _ = self.lookup({"hashes": []}, key="hlk_" + "0" * 64)
        self.assertEqual(s, 401)
        s, _, _ = self.lookup({"hashes": []}, key=self.add_apikey("auditor")[1])
        self.assertEqual(s, 403)
        self.assertAlive()

    # ---- the analyst's action and the admin's pages -------------------------------

    def test_add_report_hashes_to_local_list(self):
        data = ("local-%s" % uuid.uuid4().hex).encode()
        s, _, j = self.srv.api_report({"kind": "abuse_material", "attachments": [
            {"name": "f.bin", "data": b64(data)}]})
        self.assertEqual(s, 201)
        sess = self.staff_session("analyst")
        s, _, page = sess.get("/reports/" + j["number"])
        self.assertIsNotNone(Doc(page.decode()).by_id("act-hashlist"))
        resp = sess.post("/reports/%s/hashlist" % j["number"], {"csrf": sess.csrf})
        self.assertRedirect(resp, "/reports/" + j["number"])
        lists = self.lists()
        self.assertIn("local", lists)
        self.assertEqual(lists["local"]["action"], "previously_assessed")
        r = self.cli("hashlist", "export", "local", "--format", "sha256")
        self.assertIn(hashlib.sha256(data).hexdigest(), r.stdout.split())
        # the same bytes arriving again now match the local list
        rep = self.wait_match({"kind": "abuse_material", "attachments": [{"data": b64(data)}]},
                              lambda m: any(x["list"] == "local" for x in m))
        self.assertTrue(any(x["list"] == "local" for x in rep["matches"]))
        self.assertTrue([a for a in self.audit() if a.get("action") == "report.add_to_hashlist"])
        # without a CSRF token: refused
        s, _, _ = sess.post("/reports/%s/hashlist" % j["number"], {})
        self.assertEqual(s, 403)
        # a report without files or hashes: 404
        s2, _, j2 = self.srv.api_report({"kind": "abuse_material",
                                         "urls": ["https://example.org/x"]})
        s, _, _ = sess.post("/reports/%s/hashlist" % j2["number"], {"csrf": sess.csrf})
        self.assertEqual(s, 404)

    def test_false_positive_from_the_report_page(self):
        name = self.list_name()
        data = ("fp-%s" % uuid.uuid4().hex).encode()
        self.cli("hashlist", "import", name, self.tmpfile(hashlib.md5(data).hexdigest() + "\n"),
                 "--format", "md5")
        rep = self.wait_match({"kind": "abuse_material", "attachments": [{"data": b64(data)}]},
                              lambda m: any(x["list"] == name for x in m))
        entry = [m for m in rep["matches"] if m["list"] == name][0]["entry_id"]
        sess = self.staff_session("analyst")
        resp = sess.post("/reports/%s/false_positive" % rep["number"],
                         {"csrf": sess.csrf, "entry": str(entry)})
        self.assertRedirect(resp, "/reports/" + rep["number"])
        self.assertEqual(self.lists()[name]["disabled"], 1)
        s, _, j = self.srv.api_report({"kind": "abuse_material",
                                       "attachments": [{"data": b64(data)}]})
        self.assertFalse([m for m in self.staff_report(j["number"])["matches"]
                          if m["list"] == name])
        s, _, _ = sess.post("/reports/%s/false_positive" % rep["number"],
                            {"csrf": sess.csrf, "entry": "abc"})
        self.assertEqual(s, 422)

    def multipart(self, fields, files):
        boundary = "----hl" + uuid.uuid4().hex
        out = []
        for k, v in fields.items():
            out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n"
                        % (boundary, k, v)).encode())
        for k, (fname, data) in files.items():
            out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                        "Content-Type: text/plain\r\n\r\n" % (boundary, k, fname)).encode()
                       + data + b"\r\n")
        out.append(("--%s--\r\n" % boundary).encode())
        return b"".join(out), "multipart/form-data; boundary=" + boundary

    def test_admin_pages(self):
        admin = self.staff_session("admin")
        name = self.list_name()
        hashes = [hashlib.sha256(("adm%d" % i).encode()).hexdigest() for i in range(5)]
        body, ctype = self.multipart(
            {"csrf": admin.csrf, "name": name, "format": "sha256", "source": "partner test",
             "action": "raise_priority", "threshold": "20"},
            {"file": ("list.txt", ("\n".join(hashes) + "\nbroken\n").encode())})
        s, _, page = admin.post("/admin/hashlists", raw=body, headers={"Content-Type": ctype})
        self.assertEqual(s, 200, page[:500])
        doc = Doc(page.decode())
        self.assertEqual(doc.by_id("import-added").text.strip(), "5")
        self.assertEqual(doc.by_id("import-bad").text.strip(), "1")
        self.assertIn(name, doc.by_id("hashlists").text)
        # paste instead of a file, into the same list: nothing new
        s, _, page = admin.post("/admin/hashlists", {"csrf": admin.csrf, "name": name,
                                                     "format": "sha256",
                                                     "text": "\n".join(hashes)})
        self.assertEqual(Doc(page.decode()).by_id("import-present").text.strip(), "5")
        # the list page: settings, find, disable, enable, export, remove
        s, _, page = admin.get("/admin/hashlists/" + name)
        self.assertEqual(s, 200)
        self.assertEqual(Doc(page.decode()).by_id("list-entries").text.strip(), "5")
        s, _, page = admin.post("/admin/hashlists/%s/settings" % name,
                                {"csrf": admin.csrf, "threshold": "12", "source": "renamed",
                                 "action": "previously_assessed"})
        self.assertEqual(s, 200)
        self.assertEqual(self.lists()[name]["pdq_threshold"], 12)
        self.assertEqual(self.lists()[name]["action"], "previously_assessed")
        s, _, page = admin.post("/admin/hashlists/%s/settings" % name,
                                {"csrf": admin.csrf, "threshold": "-4"})
        self.assertEqual(s, 422)
        s, _, page = admin.get("/admin/hashlists/%s?algo=sha256&hash=%s" % (name, hashes[2]))
        self.assertIsNotNone(Doc(page.decode()).by_id("entry-toggle"))
        s, _, page = admin.get("/admin/hashlists/%s?algo=sha256&hash=zz" % name)
        self.assertEqual(s, 200)
        resp = admin.post("/admin/hashlists/%s/entry" % name,
                          {"csrf": admin.csrf, "algo": "sha256", "hash": hashes[2],
                           "op": "disable", "reason": "not this"})
        self.assertEqual(resp[0], 303)
        self.assertEqual(self.lists()[name]["disabled"], 1)
        s, h, b = admin.get("/admin/hashlists/%s/export?format=sha256" % name)
        self.assertEqual(s, 200)
        self.assertEqual(len(b.split()), 4)  # the disabled entry is left out
        s, h, b = admin.get("/admin/hashlists/%s/export?format=csv" % name)
        self.assertIn("attachment", h.get("Content-Disposition", ""))
        self.assertEqual(len(b.decode().splitlines()), 6)
        s, _, _ = admin.post("/admin/hashlists/%s/remove" % name,
                             {"csrf": admin.csrf, "confirm": "wrong"})
        self.assertEqual(s, 422)
        resp = admin.post("/admin/hashlists/%s/remove" % name,
                          {"csrf": admin.csrf, "confirm": name})
        self.assertRedirect(resp, "/admin/hashlists")
        self.assertNotIn(name, self.lists())
        s, _, _ = admin.get("/admin/hashlists/" + name)
        self.assertEqual(s, 404)
        # hostile input
        for fields in ({"name": "../etc", "format": "md5", "text": "x"},
                       {"name": "ok", "format": "zip", "text": "x"},
                       {"name": "ok", "format": "md5", "text": ""},
                       {"name": "", "format": "md5", "text": "x"}):
            fields["csrf"] = admin.csrf
            s, _, page = admin.post("/admin/hashlists", fields)
            self.assertEqual(s, 422, fields)
            self.assertIsNotNone(Doc(page.decode()).by_id("admin-error"))
        body, ctype = self.multipart({"csrf": admin.csrf}, {})
        s, _, _ = admin.post("/admin/hashlists", raw=body[:-10], headers={"Content-Type": ctype})
        self.assertIn(s, (403, 422))
        # only admins
        analyst = self.staff_session("analyst")
        s, _, _ = analyst.get("/admin/hashlists")
        self.assertEqual(s, 403)
        self.assertAlive()


if __name__ == "__main__":
    unittest.main()
