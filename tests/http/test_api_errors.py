#!/usr/bin/env python3
"""JSON API, error paths: every row of the error table in docs/API.md.
After each refused request nothing must have been stored."""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ServerTestCase, parse_json  # noqa: E402

URL = "https://example.org/suspicious-page"
API = "/api/v1/reports"
LIMIT = 65536


def am(**extra):
    d = {"kind": "abuse_material", "urls": [URL]}
    d.update(extra)
    return d


def email_of_length(n):
    """A plausible address of exactly N characters (labels <= 63)."""
    local = "a"
    tail = ".test"
    room = n - len(local) - 1 - len(tail)
    labels = []
    while room > 0:
        take = min(60, room)
        if room - take == 1:    # avoid a trailing lone dot
            take -= 1
        labels.append("b" * take)
        room -= take + 1
    domain = ".".join(labels)
    addr = local + "@" + domain + tail
    assert len(addr) in (n, n + 1), len(addr)
    return addr if len(addr) == n else "aa" + addr[2:][: n - 2]


class ApiErrors(ServerTestCase):

    def setUp(self):
        self.before = self.srv.count_reports()

    def nothing_stored(self, what):
        now, before = self.srv.count_reports(), self.before
        self.before = now
        self.assertEqual(now, before, "%s: a refused request stored a report" % what)

    def send(self, raw, ctype="application/json", lang=None, extra=None):
        h = {}
        if ctype is not None:
            h["Content-Type"] = ctype
        if lang:
            h["Accept-Language"] = lang
        h.update(extra or {})
        if isinstance(raw, (dict, list)):
            raw = json.dumps(raw).encode("utf-8")
        elif isinstance(raw, str):
            raw = raw.encode("utf-8")
        return self.srv.request("POST", API, h, raw)

    def expect(self, raw, status, code, field="any", ctype="application/json"):
        """Sends RAW, expects STATUS/CODE/FIELD, nothing stored, and a
        message that differs between en and fr (each case a subTest)."""
        what = repr(raw)[:160]
        with self.subTest(case=what):
            self._expect(raw, status, code, field, ctype, what)

    def _expect(self, raw, status, code, field, ctype, what):
        s, h, b = self.send(raw, ctype, lang="en")
        self.assertEqual(s, status, "%s -> %s %r" % (what, s, b[:400]))
        self.assertTrue(h.get("Content-Type", "").startswith("application/json"),
                        "%s: Content-Type %r" % (what, h.get("Content-Type")))
        e_en = self.assertErrorBody(b, status, code, field, what)
        self.nothing_stored(what)
        s, h, b = self.send(raw, ctype, lang="fr")
        self.assertEqual(s, status, "%s (fr) -> %s %r" % (what, s, b[:400]))
        e_fr = self.assertErrorBody(b, status, code, field, what)
        self.nothing_stored(what)
        self.assertNotEqual(e_en["message"], e_fr["message"],
                            "%s: fr message same as en: %r" % (what, e_en["message"]))

    def expect_refused(self, raw, what=""):
        """For inputs where the contract allows more than one code: a 400
        or 422 with a well-formed error body, nothing stored, server alive."""
        with self.subTest(case=repr(what)[:160]):
            self._expect_refused(raw, what)

    def _expect_refused(self, raw, what):
        s, h, b = self.send(raw)
        self.assertIn(s, (400, 422), "%s -> %s %r" % (what, s, b[:300]))
        j = parse_json(b)
        self.assertIsInstance(j, dict, b[:300])
        self.assertTrue(j.get("errors"), b[:300])
        for e in j["errors"]:
            self.assertIsInstance(e.get("message"), str)
            self.assertTrue(e["message"])
        self.nothing_stored(what)
        s, _, b = self.srv.get("/healthz")
        self.assertEqual(s, 200, "server unhealthy after %s" % what)

    def accepted(self, raw, what="", ctype="application/json"):
        what = what or repr(raw)[:160]
        with self.subTest(case=what):
            s, h, b = self.send(raw, ctype)
            now, before = self.srv.count_reports(), self.before
            self.before = now
            self.assertEqual(s, 201, "%s -> %s %r" % (what, s, b[:400]))
            self.assertEqual(now, before + 1)

    # ---- 400
    def test_malformed_json(self):
        for raw in (b'{"kind": ', b'{kind: "abuse_material"}', b"{'kind': 1}",
                    b'{"kind":"abuse_material","urls":["%s"],}' % URL.encode(),
                    b'{"kind":"abuse_material"} trailing', b"", b"   ", b"nul",
                    b'{"kind":"abuse_material" "urls":[]}'):
            self.expect(raw, 400, "json.malformed", None)

    def test_not_object(self):
        for raw in (b"[]", b'["kind"]', b'"abuse_material"', b"42", b"null",
                    b"true", b' [{"kind":"abuse_material"}] '):
            self.expect(raw, 400, "json.not_object", None)

    def test_invalid_utf8(self):
        for bad in (b"\xff", b"\xc3", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80",
                    b"\x80abc"):
            raw = b'{"kind":"exploitation","description":"I saw ' + bad + b' a page"}'
            self.expect(raw, 400, "utf8.invalid", None)

    def test_json_escapes_nul_and_surrogates(self):
        # escapes that decode to NUL or to a lone surrogate must never be stored
        for raw in (b'{"kind":"exploitation","description":"a\\u0000b"}',
                    b'{"kind":"exploitation","description":"a\\ud800b"}',
                    b'{"kind":"exploitation","description":"a\\udc00b"}'):
            self.expect_refused(raw, raw)

    # ---- 413
    def padded(self, size):
        base = json.dumps(am()).encode()
        raw = base[:-1] + b" " * (size - len(base)) + b"}"
        self.assertEqual(len(raw), size)
        return raw

    def test_body_too_large(self):
        self.expect(self.padded(LIMIT + 1), 413, "body.too_large", None)
        self.expect(b'{"kind":"exploitation","description":"' + b"x" * 200000 + b'"}',
                    413, "body.too_large", None)

    def test_body_at_limit_ok(self):
        self.accepted(self.padded(LIMIT), "body of exactly 65,536 bytes")
        self.accepted(self.padded(60000), "body of 60,000 bytes")
        # a large body made of real content (50 long URLs), under the limit
        urls = ["https://example.org/" + "p" * 1200 + str(i) for i in range(50)]
        raw = json.dumps({"kind": "abuse_material", "urls": urls}).encode()
        self.assertLess(len(raw), LIMIT)
        self.accepted(raw, "50 long URLs")

    # ---- 415
    def test_content_type(self):
        raw = json.dumps(am()).encode()
        for ctype in ("text/plain", "application/x-www-form-urlencoded",
                      "multipart/form-data; boundary=x", "application/jsonx",
                      "text/json", None):
            self.expect(raw, 415, "content_type.unsupported", None, ctype=ctype)

    def test_content_type_with_charset_ok(self):
        self.accepted(json.dumps(am()), "charset param",
                      ctype="application/json; charset=utf-8")

    # ---- 422 required
    def test_required(self):
        cases = [
            ({}, "kind"),
            ({"urls": [URL]}, "kind"),
            ({"kind": ""}, "kind"),
            ({"kind": "abuse_material"}, "urls"),
            ({"kind": "abuse_material", "urls": []}, "urls"),
            ({"kind": "exploitation"}, "description"),
            ({"kind": "exploitation", "description": ""}, "description"),
            ({"kind": "immediate_danger"}, "description"),
            ({"kind": "immediate_danger", "description": ""}, "description"),
        ]
        for obj, field in cases:
            self.expect(obj, 422, "required", field)

    def test_contact_without_any_means(self):
        for contact in ({}, {"may_contact": True}, {"name": "", "email": "", "phone": ""},
                        {"name": "", "may_contact": True}):
            with self.subTest(contact=contact):
                s, _, b = self.send(am(contact=contact))
                self.nothing_stored(contact)
                self.assertEqual(s, 422, b)
                j = parse_json(b)
                fields = [e["field"] or "" for e in j["errors"]]
                self.assertTrue(any(f.startswith("contact") for f in fields), j)

    # ---- 422 type
    def test_type(self):
        cases = [
            ({"kind": 5}, "kind"),
            ({"kind": ["abuse_material"]}, "kind"),
            ({"kind": {"a": [1, {"b": None}]}}, "kind"),
            ({"kind": True}, "kind"),
            ({"kind": "abuse_material", "urls": URL}, "urls"),
            ({"kind": "abuse_material", "urls": {"0": URL}}, "urls"),
            (am(urls=[URL, 5]), "urls[1]"),
            (am(urls=[URL, URL, [URL]]), "urls[2]"),
            (am(description=12), "description"),
            (am(where=["website"]), "where"),
            (am(language=1), "language"),
            (am(location=False), "location"),
            (am(exploitation_type={}), "exploitation_type"),
            (am(contact="alex@example.org"), "contact"),
            (am(contact=[{"email": "alex@example.org"}]), "contact"),
            (am(contact={"email": "alex@example.org", "may_contact": "yes"}),
             "contact.may_contact"),
            (am(contact={"email": ["alex@example.org"]}), "contact.email"),
            (am(contact={"name": {"first": {"x": [1, 2, [3]]}}, "email": "a@example.org"}),
             "contact.name"),
            (am(contact={"phone": 3225550123}), "contact.phone"),
        ]
        for obj, field in cases:
            self.expect(obj, 422, "type", field)

    # ---- 422 invalid
    def test_invalid(self):
        cases = [
            ({"kind": "spam"}, "kind"),
            ({"kind": "ABUSE_MATERIAL", "urls": [URL]}, "kind"),
            (am(where="darkweb"), "where"),
            (am(exploitation_type="unknown"), "exploitation_type"),
            (am(language="es"), "language"),
            (am(language="EN-gb"), "language"),
        ]
        for obj, field in cases:
            self.expect(obj, 422, "invalid", field)

    # ---- 422 unknown
    def test_unknown(self):
        cases = [
            (am(ip="192.0.2.1"), "ip"),
            (am(Kind="abuse_material"), "Kind"),
            (am(contact={"email": "alex@example.org", "address": "x"}), "contact.address"),
            (am(extra={"nested": [1, 2, {"deep": True}]}), "extra"),
        ]
        for obj, field in cases:
            self.expect(obj, 422, "unknown", field)

    # ---- 422 too_long
    def test_too_long(self):
        long_url = "https://example.org/" + "a" * (2049 - len("https://example.org/"))
        self.assertEqual(len(long_url), 2049)
        cases = [
            ({"kind": "exploitation", "description": "x" * 10001}, "description"),
            ({"kind": "exploitation", "description": "é" * 10001}, "description"),
            ({"kind": "immediate_danger", "description": "x", "location": "y" * 10001},
             "location"),
            (am(urls=[URL, long_url]), "urls[1]"),
            (am(contact={"name": "n" * 201}), "contact.name"),
            (am(contact={"email": email_of_length(255)}), "contact.email"),
            (am(contact={"phone": "1" * 41}), "contact.phone"),
        ]
        for obj, field in cases:
            self.expect(obj, 422, "too_long", field)

    def test_lengths_at_limit_ok(self):
        self.accepted({"kind": "exploitation", "description": "x" * 10000}, "10000 chars")
        # the limit is in characters: 10,000 two-byte characters fit
        self.accepted({"kind": "exploitation", "description": "é" * 10000}, "10000 é")
        self.accepted({"kind": "immediate_danger", "description": "x",
                       "location": "y" * 10000}, "location 10000")
        url = "https://example.org/" + "a" * (2048 - len("https://example.org/"))
        self.accepted(am(urls=[url]), "URL of 2048 bytes")
        self.accepted(am(contact={"name": "n" * 200, "phone": "1" * 40,
                                  "email": email_of_length(254)}), "contact at limits")

    # ---- 422 too_many
    def test_too_many_urls(self):
        self.expect(am(urls=["https://example.org/%d" % i for i in range(51)]),
                    422, "too_many", "urls")

    # ---- 422 control_chars
    def test_control_chars(self):
        cases = [
            ({"kind": "exploitation", "description": "I saw\u0001 a page"}, "description"),
            ({"kind": "exploitation", "description": "esc \u001b[31m red"}, "description"),
            ({"kind": "exploitation", "description": "bell \u0007"}, "description"),
            ({"kind": "exploitation", "description": "del \u007f"}, "description"),
            ({"kind": "immediate_danger", "description": "x", "location": "a\u0002b"},
             "location"),
            (am(contact={"name": "Alex\u0003Example"}), "contact.name"),
            (am(contact={"name": "Alex\nExample"}), "contact.name"),
        ]
        for obj, field in cases:
            self.expect(obj, 422, "control_chars", field)

    def test_carriage_returns_become_newlines(self):
        # browsers send CR LF from text areas: accepted, stored as LF only
        for text in ("carriage\rreturn", "windows\r\nline"):
            self.accepted({"kind": "exploitation", "description": text}, "CR in text")
        con = self.srv.db()
        try:
            rows = [r[0] for r in con.execute(
                "SELECT description FROM reports WHERE description LIKE 'carriage%'"
                " OR description LIKE 'windows%'")]
        finally:
            con.close()
        self.assertEqual(sorted(rows), ["carriage\nreturn", "windows\nline"])

    def test_tab_newline_in_free_text_ok(self):
        self.accepted({"kind": "exploitation",
                       "description": "line one\nline two\n\tindented"}, "tab/newline")

    # ---- 422 url.invalid / url.scheme
    def test_url_invalid(self):
        for bad in ("http://", "https://", "https://exa mple.org/", "http://[::1",
                    "https://example.org:99999/", "http://exa<mple.org/"):
            self.expect(am(urls=[URL, bad]), 422, "url.invalid", "urls[1]")

    def test_url_scheme(self):
        for bad in ("javascript:alert(1)", "ftp://example.org/file", "file:///etc/passwd",
                    "data:text/html,hello", "gopher://example.org/", "mailto:a@example.org"):
            self.expect(am(urls=[bad]), 422, "url.scheme", "urls[0]")

    def test_url_field_index(self):
        urls = [URL, "https://example.org/2", "ftp://example.org/3"]
        self.expect(am(urls=urls), 422, "url.scheme", "urls[2]")

    def test_url_other_schemes_case(self):
        self.accepted(am(urls=["HTTPS://EXAMPLE.ORG/Page", "http://site.test:8080/x"]))

    # ---- 422 email / phone
    def test_email_invalid(self):
        for bad in ("not-an-email", "a@", "@example.org", "a b@example.org",
                    "alex@@example.org", "alex.example.org"):
            self.expect(am(contact={"email": bad}), 422, "email.invalid", "contact.email")

    def test_phone_invalid(self):
        for bad in ("+32 2 555 01 23 ext", "12345abc", "call me", "+32#1"):
            self.expect(am(contact={"phone": bad}), 422, "phone.invalid", "contact.phone")

    def test_phone_allowed_chars_ok(self):
        self.accepted(am(contact={"phone": "+32 (0)2 555.01-23/4"}), "phone chars")

    # ---- hostile shapes
    def test_huge_numbers(self):
        for raw in (b'{"kind":"abuse_material","urls":["%s"],"where":1e999999}' % URL.encode(),
                    b'{"kind":"exploitation","description":' + b"9" * 5000 + b"}",
                    b'{"kind":"exploitation","description":"x","language":-1e-999999}',
                    b'{"kind":' + b"1" * 60 + b"}"):
            self.expect_refused(raw, raw[:80])

    def test_deeply_nested(self):
        for depth in (100, 5000, 32000):
            raw = b'{"kind":"abuse_material","urls":' + b"[" * depth + b"]" * depth + b"}"
            self.expect_refused(raw, "urls nested %d deep" % depth)
        raw = b"[" * 32000 + b"]" * 32000
        s, _, b = self.send(raw)
        self.assertEqual(s, 400, b[:200])
        self.nothing_stored("top-level nesting")
        raw = b'{"a":' * 10000 + b"1" + b"}" * 10000
        s, _, b = self.send(raw)
        self.assertIn(s, (400, 422), b[:200])
        self.nothing_stored("object nesting")
        self.assertEqual(self.srv.get("/healthz")[0], 200)

    def test_nested_garbage_everywhere(self):
        obj = am(contact={"name": [[{"x": None}], {"y": [1.5, "z"]}], "email": {}},
                 description={"a": {"b": {"c": []}}})
        s, _, b = self.send(obj)
        self.assertEqual(s, 422, b)
        j = parse_json(b)
        codes = {e["code"] for e in j["errors"]}
        self.assertEqual(codes, {"type"}, j)
        self.nothing_stored("nested garbage")

    def test_messages_in_each_language(self):
        msgs = {}
        for lang in ("en", "fr", "nl", "de"):
            s, _, b = self.send({"kind": "spam"}, lang=lang)
            self.assertEqual(s, 422)
            msgs[lang] = self.assertErrorBody(b, 422, "invalid", "kind")["message"]
        self.assertEqual(len(set(msgs.values())), 4, msgs)
        # default (no Accept-Language) is English; q-values and regions work
        s, _, b = self.send({"kind": "spam"})
        self.assertEqual(parse_json(b)["errors"][0]["message"], msgs["en"])
        s, _, b = self.send({"kind": "spam"}, lang="es, fr-BE;q=0.8, en;q=0.5")
        self.assertEqual(parse_json(b)["errors"][0]["message"], msgs["fr"])
        s, _, b = self.send({"kind": "spam"}, lang="zz")
        self.assertEqual(parse_json(b)["errors"][0]["message"], msgs["en"])

    def test_unknown_api_path(self):
        for path in ("/api/v1/nothing", "/api/v1/reports/123-456-789",
                     "/api/v2/reports"):
            s, h, b = self.srv.get(path)
            self.assertEqual(s, 404, path)
            self.assertErrorBody(b, 404, "not_found", None, path)


if __name__ == "__main__":
    unittest.main()
