#!/usr/bin/env python3
"""The OpenAPI document served at /api/v1/openapi.json matches what the
code does: every enum value it lists is accepted and nothing else is, the
properties it lists are the fields accepted, its limits are the limits
enforced, and every error code the API answers with is in its list."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ServerTestCase, parse_json  # noqa: E402

URL = "https://example.org/openapi-check"


class OpenApi(ServerTestCase):

    SERVER_ARGS = ["--lookup-limit", "1000000"]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s, _, b = cls.srv.get("/api/v1/openapi.json")
        assert s == 200
        cls.doc = parse_json(b)
        cls.schemas = cls.doc["components"]["schemas"]
        cls.codes = set(cls.schemas["Errors"]["properties"]["errors"]["items"]
                        ["properties"]["code"]["enum"])
        cls.seen_codes = set()

    def post(self, obj, expect):
        s, h, b = self.srv.post_json("/api/v1/reports", obj)
        j = parse_json(b)
        if s >= 400:
            for e in j["errors"]:
                self.seen_codes.add(e["code"])
        self.assertEqual(s, expect, "%r -> %s %r" % (obj, s, b[:300]))
        return j

    def base(self, kind):
        return {"kind": kind, "urls": [URL], "description": "A benign test description."}

    def test_enums_accepted_and_nothing_else(self):
        props = self.schemas["NewReport"]["properties"]
        for field in ("kind", "where", "exploitation_type", "language"):
            values = props[field]["enum"]
            self.assertTrue(values)
            for v in values:
                obj = self.base("exploitation")
                obj[field] = v
                self.post(obj, 201)
            obj = self.base("exploitation")
            obj[field] = "not-" + values[0]
            j = self.post(obj, 422)
            self.assertIn((field, "invalid"), [(e["field"], e["code"]) for e in j["errors"]])

    def test_properties_are_the_fields_accepted(self):
        props = self.schemas["NewReport"]["properties"]
        self.assertFalse(self.schemas["NewReport"].get("additionalProperties", True))
        for name in props:
            self.assertIn(name, ("kind", "urls", "where", "description", "exploitation_type",
                                 "location", "language", "contact", "attachments", "hashes"))
        # files and hashes are accepted as the document describes them
        att = self.schemas["Attachment"]["properties"]
        hsh = self.schemas["Hash"]["properties"]
        obj = self.base("abuse_material")
        obj["attachments"] = [{"name": "a.txt", "type": "text/plain", "data": "aGVsbG8="}]
        obj["hashes"] = [{"algo": a, "hash": "ab" * n}
                         for a, n in (("pdq", 32), ("md5", 16), ("sha1", 20), ("sha256", 32))]
        self.assertEqual(set(att), set(obj["attachments"][0]))
        self.assertEqual(set(hsh), {"algo", "hash"})
        self.assertEqual(hsh["algo"]["enum"], [h["algo"] for h in obj["hashes"]])
        self.post(obj, 201)
        obj["hashes"] = [{"algo": "crc", "hash": "00"}]
        self.post(obj, 422)
        obj = self.base("abuse_material")
        obj["location"] = "Somewhere"
        obj["contact"] = {"name": "A. Example", "email": "a@example.org", "phone": "+32 2 000 00 00",
                          "may_contact": True}
        self.post(obj, 201)
        for name in self.schemas["Contact"]["properties"]:
            self.assertIn(name, obj["contact"])
        obj = self.base("abuse_material")
        obj["not_in_the_document"] = 1
        self.post(obj, 422)

    def test_required_and_limits(self):
        new = self.schemas["NewReport"]
        self.assertEqual(new["required"], ["kind"])
        self.post({"urls": [URL]}, 422)
        max_urls = new["properties"]["urls"]["maxItems"]
        max_len = new["properties"]["urls"]["items"]["maxLength"]
        max_text = new["properties"]["description"]["maxLength"]
        ok = self.base("abuse_material")
        ok["urls"] = ["https://example.org/%d" % i for i in range(max_urls)]
        self.post(ok, 201)
        ok["urls"].append("https://example.org/one-more")
        self.post(ok, 422)
        long_url = "https://example.org/" + "a" * (max_len - len("https://example.org/"))
        self.post({"kind": "abuse_material", "urls": [long_url]}, 201)
        self.post({"kind": "abuse_material", "urls": [long_url + "a"]}, 422)
        self.post({"kind": "exploitation", "description": "é" * max_text}, 201)
        self.post({"kind": "exploitation", "description": "é" * (max_text + 1)}, 422)
        for field, schema in (("name", "Contact"), ("email", "Contact"), ("phone", "Contact")):
            limit = self.schemas[schema]["properties"][field]["maxLength"]
            value = {"name": "n" * (limit + 1), "email": "a" * (limit - 11) + "@example.org",
                     "phone": "1" * (limit + 1)}[field]
            self.post({"kind": "exploitation", "description": "x",
                       "contact": {field: value, "may_contact": True}}, 422)

    def test_receipt_matches_its_schema(self):
        import re
        rec = self.schemas["Receipt"]["properties"]
        j = self.post(self.base("abuse_material"), 201)
        self.assertRegex(j["number"], rec["number"]["pattern"])
        self.assertRegex(j["secret"], rec["secret"]["pattern"])
        self.assertIn(j["state"], rec["state"]["enum"])
        s, _, b = self.srv.api_status(j["number"], j["secret"])
        st = parse_json(b)
        self.assertEqual(s, 200)
        for k in self.schemas["Status"]["required"]:
            self.assertIn(k, st)
        self.assertIn(st["state"], self.schemas["Status"]["properties"]["state"]["enum"])
        self.assertTrue(re.match(r"^[0-9]{3}-[0-9]{3}-[0-9]{3}$", st["number"]))

    def test_every_error_code_is_documented(self):
        cases = [
            (b"{", "application/json"), (b"[1]", "application/json"),
            (b'{"kind": "\xff"}', "application/json"), (b"kind=x", "text/plain"),
            (b"x" * 70000, "application/json"),
        ]
        for raw, ctype in cases:
            s, h, b = self.srv.post_json("/api/v1/reports", None,
                                         headers={"Content-Type": ctype}, raw=raw)
            for e in parse_json(b)["errors"]:
                self.seen_codes.add(e["code"])
        for obj in ({"kind": 1}, {"kind": "abuse_material", "urls": ["ftp://example.org/"]},
                    {"kind": "abuse_material", "urls": ["http://"]},
                    {"kind": "exploitation", "description": "a\u0001b"},
                    {"kind": "exploitation", "description": "x", "contact": {"email": "no"}},
                    {"kind": "exploitation", "description": "x", "contact": {"phone": "abc"}},
                    {"kind": "abuse_material", "urls": [URL] * 51}):
            self.post(obj, 422)
        s, h, b = self.srv.request("GET", "/api/v1/reports/100-000-011/status",
                                   headers={"Authorization": "Bearer 0000"})
        for e in parse_json(b)["errors"]:
            self.seen_codes.add(e["code"])
        s, h, b = self.srv.request("DELETE", "/api/v1/reports")
        for e in parse_json(b)["errors"]:
            self.seen_codes.add(e["code"])
        missing = self.seen_codes - self.codes
        self.assertEqual(missing, set(), "codes answered but not in openapi.json")
        for path, item in self.doc["paths"].items():
            for method in item:
                self.assertIn(method, ("get", "post"), path)


if __name__ == "__main__":
    unittest.main()
