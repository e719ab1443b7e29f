#!/usr/bin/env python3
"""HTML pages of the public listener: home, forms, receipt, errors kept in
the form, status and additions, languages, no third-party loads."""

import os
import re
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (ServerTestCase, Doc, NUMBER_RE, SECRET_RE, damm_valid,  # noqa: E402
                     make_number, parse_json)

LANGS = ("en", "fr", "nl", "de")
KINDS = ("abuse_material", "exploitation", "immediate_danger")
PAGES = ["/", "/report", "/report?kind=abuse_material", "/report?kind=exploitation",
         "/report?kind=immediate_danger", "/status", "/help"]


class Pages(ServerTestCase):
    SERVER_ARGS = ["--lookup-limit", "100000"]

    def page(self, path, headers=None, status=200):
        s, h, b = self.srv.get(path, headers)
        self.assertEqual(s, status, "%s -> %s" % (path, s))
        self.assertTrue(h.get("Content-Type", "").startswith("text/html"),
                        "%s: Content-Type %r" % (path, h.get("Content-Type")))
        return Doc(b.decode("utf-8")), h, b

    def post(self, path, fields, status=None, headers=None):
        s, h, b = self.srv.post_form(path, fields, headers)
        if status is not None:
            self.assertEqual(s, status, "POST %s %r -> %s\n%s"
                             % (path, fields, s, b[:1500].decode("utf-8", "replace")))
        return s, h, Doc(b.decode("utf-8")), b

    def form_for(self, doc, action_path):
        for f in doc.find_all("form"):
            act = f.get("action", "")
            if urllib.parse.urlsplit(act).path == action_path:
                return f
        self.fail("no form with action %s: %r" % (action_path, doc.find_all("form")))

    def assertHasField(self, doc, form, name):
        names = {n.get("name") for n in doc.descendants(form) if n.get("name")}
        self.assertIn(name, names, "field %s missing; form has %r" % (name, names))

    # ---- pages exist
    def test_home(self):
        doc, _, b = self.page("/")
        self.assertEqual(doc.html_lang(), "en")
        hrefs = [a.get("href", "") for a in doc.find_all("a")]
        self.assertTrue(any("/report" in h for h in hrefs), hrefs)

    def test_help_and_static(self):
        self.page("/help")
        s, h, b = self.srv.get("/static/style.css")
        self.assertEqual(s, 200)
        self.assertTrue(h.get("Content-Type", "").startswith("text/css"))
        self.assertTrue(b.strip())

    def test_openapi(self):
        s, h, b = self.srv.get("/api/v1/openapi.json")
        self.assertEqual(s, 200)
        self.assertTrue(h.get("Content-Type", "").startswith("application/json"))
        j = parse_json(b)
        self.assertTrue(str(j.get("openapi", "")).startswith("3."), j.get("openapi"))
        paths = j.get("paths", {})
        self.assertIn("/api/v1/reports", paths)
        self.assertTrue(any(p.startswith("/api/v1/reports/") and p.endswith("/status")
                            for p in paths), list(paths))
        self.assertTrue(any(p.endswith("/additions") for p in paths), list(paths))

    def test_forms_per_kind(self):
        fields = {"abuse_material": ("urls", "where"),
                  "exploitation": ("description", "exploitation_type"),
                  "immediate_danger": ("description", "location")}
        for kind in KINDS:
            doc, _, _ = self.page("/report?kind=" + kind)
            form = self.form_for(doc, "/report")
            self.assertEqual(form.get("method", "").lower(), "post")
            for name in ("lang", "kind") + fields[kind]:
                self.assertHasField(doc, form, name)
            self.assertEqual(doc.field_value("kind", form), kind)
            self.assertEqual(doc.field_value("lang", form), "en")
            for name in ("contact_wanted", "contact_name", "contact_email", "contact_phone"):
                self.assertHasField(doc, form, name)

    def test_form_lang_hidden_field(self):
        for lang in LANGS:
            doc, _, _ = self.page("/report?kind=exploitation&lang=" + lang)
            form = self.form_for(doc, "/report")
            lang_inputs = [n for n in doc.descendants(form)
                           if n.tag == "input" and n.get("name") == "lang"]
            self.assertTrue(lang_inputs)
            self.assertEqual(lang_inputs[0].get("type", "").lower(), "hidden")
            self.assertEqual(lang_inputs[0].get("value"), lang)
            doc, _, _ = self.page("/status?lang=" + lang)
            form = self.form_for(doc, "/status")
            self.assertEqual(doc.field_value("lang", form), lang)

    def test_immediate_danger_emergency_first(self):
        doc, _, _ = self.page("/report?kind=immediate_danger")
        em = doc.by_id("emergency")
        self.assertIsNotNone(em, "no #emergency")
        self.assertTrue(em.text.strip())
        form = self.form_for(doc, "/report")
        self.assertLess(em.index, form.index, "#emergency must come before the form")
        self.assertNotIn(em, doc.descendants(form))

    def test_chooser(self):
        for path in ("/report", "/report?kind=bogus", "/report?kind="):
            doc, _, _ = self.page(path)
            hrefs = " ".join(a.get("href", "") for a in doc.find_all("a"))
            for kind in KINDS:
                self.assertIn("kind=" + kind, hrefs, path)

    def test_status_form(self):
        doc, _, _ = self.page("/status")
        form = self.form_for(doc, "/status")
        self.assertEqual(form.get("method", "").lower(), "post")
        self.assertHasField(doc, form, "number")
        self.assertHasField(doc, form, "secret")

    # ---- filing through the form
    def file_form(self, **fields):
        f = {"lang": "en", "kind": "abuse_material",
             "urls": "https://example.org/a\nhttps://example.org/b", "where": "website"}
        f.update(fields)
        before = self.srv.count_reports()
        s, h, doc, b = self.post("/report", f, 200)
        self.assertEqual(self.srv.count_reports(), before + 1)
        num = doc.by_id("receipt-number")
        sec = doc.by_id("receipt-secret")
        self.assertIsNotNone(num, "no #receipt-number")
        self.assertIsNotNone(sec, "no #receipt-secret")
        number, secret = num.text.strip(), sec.text.strip()
        self.assertRegex(number, NUMBER_RE)
        self.assertTrue(damm_valid(number.replace("-", "")))
        self.assertRegex(secret, SECRET_RE)
        self.assertIn("no-store", h.get("Cache-Control", ""))
        return number, secret, doc

    def test_post_report_receipt(self):
        number, secret, doc = self.file_form()
        s, _, b = self.srv.api_status(number, secret)
        self.assertEqual(s, 200, b)
        self.assertEqual(parse_json(b)["state"], "received")

    def test_post_report_each_kind_and_contact(self):
        self.file_form(kind="exploitation", urls="", description="I saw a suspicious page",
                       exploitation_type="grooming")
        self.file_form(kind="immediate_danger", urls="", description="I saw a suspicious page",
                       location="Example Street 1, Testville")
        self.file_form(contact_wanted="yes", contact_name="Alex Example",
                       contact_email="alex@example.org", contact_phone="+32 2 555 01 23")
        # CRLF line ends from a browser textarea
        self.file_form(urls="https://example.org/a\r\nhttps://example.org/b\r\n")

    def test_post_report_in_french(self):
        number, secret, doc = self.file_form(lang="fr")
        self.assertEqual(doc.html_lang(), "fr")

    def test_post_report_422_keeps_values(self):
        before = self.srv.count_reports()
        desc = 'I saw a suspicious page <b>bold</b> & "quoted"'
        s, h, doc, raw = self.post("/report", {
            "lang": "en", "kind": "abuse_material", "where": "forum",
            "urls": "https://example.org/fine\njavascript:alert(1)",
            "description": desc,
            "contact_wanted": "yes", "contact_name": "Alex Example",
            "contact_email": "alex@example.org"}, 422)
        self.assertEqual(self.srv.count_reports(), before)
        err = doc.by_id("error-urls")
        self.assertIsNotNone(err, "no #error-urls")
        self.assertIn("error", err.classes)
        self.assertTrue(err.text.strip(), "empty error message")
        form = self.form_for(doc, "/report")
        self.assertIn("javascript:alert(1)", doc.field_value("urls", form) or "")
        self.assertIn("https://example.org/fine", doc.field_value("urls", form) or "")
        self.assertEqual(doc.field_value("description", form), desc)
        self.assertEqual(doc.field_value("where", form), "forum")
        self.assertEqual(doc.field_value("kind", form), "abuse_material")
        self.assertEqual(doc.field_value("contact_name", form), "Alex Example")
        self.assertEqual(doc.field_value("contact_email", form), "alex@example.org")
        # the values are escaped, never echoed as markup
        self.assertNotIn(b"<b>bold</b>", raw)

    def test_post_report_422_other_fields(self):
        cases = [({"kind": "exploitation", "description": ""}, "description"),
                 ({"kind": "immediate_danger", "description": ""}, "description"),
                 ({"kind": "abuse_material", "urls": ""}, "urls"),
                 ({"kind": "abuse_material", "urls": "ftp://example.org/x"}, "urls"),
                 ({"kind": "abuse_material", "urls": "http://"}, "urls"),
                 ({"kind": "abuse_material", "urls": "https://example.org/",
                   "contact_wanted": "yes", "contact_email": "not-an-email"},
                  "contact.email"),
                 ({"kind": "abuse_material", "urls": "https://example.org/",
                   "contact_wanted": "yes", "contact_phone": "call me"}, "contact.phone")]
        for fields, field in cases:
            f = {"lang": "en"}
            f.update(fields)
            before = self.srv.count_reports()
            s, _, doc, raw = self.post("/report", f, 422)
            self.assertEqual(self.srv.count_reports(), before)
            err = doc.by_id("error-" + field)
            self.assertIsNotNone(err, "no #error-%s for %r" % (field, fields))
            self.assertIn("error", err.classes)

    def test_post_report_422_language(self):
        texts = {}
        for lang in ("en", "fr"):
            s, _, doc, _ = self.post("/report", {"lang": lang, "kind": "abuse_material",
                                                 "urls": "ftp://example.org/x"}, 422)
            self.assertEqual(doc.html_lang(), lang)
            texts[lang] = doc.by_id("error-urls").text.strip()
        self.assertNotEqual(texts["en"], texts["fr"])

    # ---- status pages
    def test_status_page(self):
        number, secret, _ = self.file_form()
        for n, sec in ((number, secret), (number.replace("-", " "), secret.lower()),
                       (number.replace("-", ""), secret.replace("-", " ").lower()),
                       (" " + number + " ", " " + secret + " ")):
            s, h, doc, _ = self.post("/status", {"lang": "en", "number": n, "secret": sec}, 200)
            st = doc.by_id("report-state")
            self.assertIsNotNone(st, "no #report-state")
            self.assertEqual(st.get("data-state"), "received")
            self.assertIsNone(doc.by_id("hotline-message"))
            self.assertIn("no-store", h.get("Cache-Control", ""))

    def test_status_page_wrong(self):
        number, secret, _ = self.file_form()
        _n2, secret2, _ = self.file_form()
        for n, sec in ((number, secret2), (make_number("98765432"), secret),
                       ("garbage", "garbage")):
            s, h, doc, raw = self.post("/status", {"lang": "en", "number": n, "secret": sec})
            self.assertEqual(s, 404, (n, sec))
            self.assertIsNone(doc.by_id("report-state"))
            self.assertTrue(h.get("Content-Type", "").startswith("text/html"))

    def test_status_add(self):
        number, secret, _ = self.file_form()
        s, h, doc, _ = self.post("/status/add", {"lang": "en", "number": number,
                                                 "secret": secret,
                                                 "text": "I found one more page.",
                                                 "urls": ""}, 200)
        self.assertEqual(doc.by_id("report-state").get("data-state"), "received")
        self.assertIn("no-store", h.get("Cache-Control", ""))
        s, h, doc, _ = self.post("/status/add", {"lang": "en", "number": number,
                                                 "secret": secret.lower(), "text": "",
                                                 "urls": "https://example.org/more\n"
                                                         "https://example.org/more2"}, 200)
        self.assertIsNotNone(doc.by_id("report-state"))

    def test_status_add_errors(self):
        number, secret, _ = self.file_form()
        s, _, doc, _ = self.post("/status/add", {"lang": "en", "number": number,
                                                 "secret": secret, "text": "", "urls": ""})
        self.assertEqual(s, 422)
        s, _, doc, _ = self.post("/status/add", {"lang": "en", "number": number,
                                                 "secret": secret, "text": "",
                                                 "urls": "javascript:alert(1)"})
        self.assertEqual(s, 422)
        self.assertIsNotNone(doc.by_id("error-urls"))
        _n2, secret2, _ = self.file_form()
        s, _, doc, _ = self.post("/status/add", {"lang": "en", "number": number,
                                                 "secret": secret2, "text": "hello"})
        self.assertEqual(s, 404)

    # ---- languages
    def test_language_switch(self):
        for path in PAGES:
            for lang in LANGS:
                with self.subTest(path=path, lang=lang):
                    self.check_switch(path, lang)

    def check_switch(self, path, lang):
        sep = "&" if "?" in path else "?"
        doc, _, _ = self.page(path + sep + "lang=" + lang)
        self.assertEqual(doc.html_lang(), lang, path)
        nav = doc.find("nav", cls="languages")
        self.assertIsNotNone(nav, "%s: no nav.languages" % path)
        links = {a.get("hreflang"): a.get("href", "")
                 for a in doc.descendants(nav) if a.tag == "a" and a.get("hreflang")}
        for other in LANGS:
            if other == lang:
                continue
            self.assertIn(other, links, "%s?lang=%s: no link to %s" % (path, lang, other))
            u = urllib.parse.urlsplit(links[other])
            self.assertEqual(u.path or urllib.parse.urlsplit(path).path,
                             urllib.parse.urlsplit(path).path,
                             "%s: %s link goes to another page" % (path, other))
            q = urllib.parse.parse_qs(u.query)
            self.assertEqual(q.get("lang"), [other], links[other])
            # the link keeps the kind of the form
            kind = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query).get("kind")
            if kind:
                self.assertEqual(q.get("kind"), kind, links[other])

    def test_language_choice(self):
        doc, _, _ = self.page("/?lang=nl")
        self.assertEqual(doc.html_lang(), "nl")
        doc, _, _ = self.page("/", {"Accept-Language": "de"})
        self.assertEqual(doc.html_lang(), "de")
        doc, _, _ = self.page("/", {"Accept-Language": "de-BE,de;q=0.9,en;q=0.5"})
        self.assertEqual(doc.html_lang(), "de")
        doc, _, _ = self.page("/", {"Accept-Language": "es, fr;q=0.8"})
        self.assertEqual(doc.html_lang(), "fr")
        doc, _, _ = self.page("/", {"Accept-Language": "es"})
        self.assertEqual(doc.html_lang(), "en")
        doc, _, _ = self.page("/?lang=nl", {"Accept-Language": "de"})
        self.assertEqual(doc.html_lang(), "nl")
        doc, _, _ = self.page("/?lang=xx", {"Accept-Language": "fr"})
        self.assertIn(doc.html_lang(), ("fr", "en"))
        # the pages really are translated
        for path in PAGES:
            texts = {}
            for lang in LANGS:
                sep = "&" if "?" in path else "?"
                doc = Doc(self.srv.get(path + sep + "lang=" + lang)[2].decode("utf-8"))
                main = doc.find("main") or doc.find("body")
                texts[lang] = " ".join(main.text.split())
            self.assertEqual(len(set(texts.values())), 4, "%s: not translated" % path)

    # ---- nothing from elsewhere
    def test_no_third_party(self):
        """No element that loads or submits (src, link href, form action...)
        points to another host; links (<a href>) to help services may."""
        number, secret, _ = self.file_form()
        docs = {}
        for path in PAGES + ["/?lang=fr", "/report?kind=immediate_danger&lang=de"]:
            docs[path] = self.srv.get(path)[2]
        docs["receipt"] = self.srv.post_form("/report", {
            "lang": "en", "kind": "abuse_material", "urls": "https://example.org/z"})[2]
        docs["422"] = self.srv.post_form("/report", {
            "lang": "en", "kind": "abuse_material", "urls": "https://example.org/z\nftp://x.test"})[2]
        docs["status"] = self.srv.post_form("/status", {"number": number, "secret": secret})[2]
        docs["404"] = self.srv.get("/no-such-page")[2]
        for name, raw in docs.items():
            text = raw.decode("utf-8", "replace")
            doc = Doc(text)
            for n in doc.nodes:
                for attr in ("src", "href", "action", "srcset", "poster", "data",
                             "formaction", "background"):
                    v = n.get(attr)
                    if v is None:
                        continue
                    v = v.strip()
                    low = v.lower()
                    if n.tag == "a" and attr == "href":
                        # a link the reader may follow is not a load; the
                        # Referrer-Policy keeps the page address from leaking
                        continue
                    self.assertFalse(low.startswith("//"), "%s: %s %s=%r" % (name, n.tag, attr, v))
                    if low.startswith(("http:", "https:")):
                        host = urllib.parse.urlsplit(v).hostname
                        self.assertIn(host, ("127.0.0.1", "localhost"),
                                      "%s: %s %s=%r loads/links another host"
                                      % (name, n.tag, attr, v))
                if n.tag == "script":
                    self.assertFalse(n.get("src"), "%s: script src=%r" % (name, n.get("src")))
                if n.tag in ("iframe", "object", "embed"):
                    self.fail("%s: <%s>" % (name, n.tag))
            # CSP style-src 'self' would block inline styles: there must be none
            self.assertFalse(doc.find_all("style"), "%s: inline <style>" % name)
            self.assertFalse([n for n in doc.nodes if "style" in n.attrs],
                             "%s: style= attribute" % name)
            self.assertIsNone(re.search(r"@import|url\(\s*['\"]?(https?:)?//", text),
                              "%s: external CSS import" % name)
        css = self.srv.get("/static/style.css")[2].decode("utf-8", "replace")
        self.assertIsNone(re.search(r"@import|url\(\s*['\"]?(https?:)?//", css),
                          "stylesheet loads from another host")


if __name__ == "__main__":
    unittest.main()
