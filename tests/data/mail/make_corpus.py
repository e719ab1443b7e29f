#!/usr/bin/env python3
"""Writes the e-mail test corpus: NAME.eml and, beside it, NAME.json with
what `hotline mail parse --json` must read in it (tests/http/test_mail.py).

Every message is written for the tests: benign text, example.org
addresses, synthetic images (flat-colour PNGs made here), and each kind of
malformation the ingest path must survive. Run it again after a change:

    python3 tests/data/mail/make_corpus.py

Expected-result keys: usable, reason, from, from_name, subject, date,
message_id, language (checked when present); text_contains and
text_excludes (substrings); urls (the exact list, in order); attachments
(the exact list of name, type, size, sha256); warnings (the exact set);
forwarded (the number of message/rfc822 parts).
"""

import base64
import hashlib
import io
import json
import os
import quopri
import struct
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
CRLF = "\r\n"


def png(w, h, rgb):
    """A flat-colour PNG of w x h pixels."""
    def chunk(kind, data):
        c = struct.pack(">I", len(data)) + kind + data
        return c + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + bytes(rgb) * w for _ in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def b64lines(data):
    s = base64.b64encode(data).decode()
    return CRLF.join(s[i:i + 76] for i in range(0, len(s), 76))


def qp(text, charset):
    return quopri.encodestring(text.encode(charset)).decode("ascii").replace("\n", CRLF)


def headers(frm, subject, mid=None, date="Tue, 03 Mar 2026 10:15:00 +0100", extra=()):
    h = ["From: " + frm, "To: report@example.org", "Subject: " + subject, "Date: " + date]
    if mid:
        h.append("Message-ID: <%s>" % mid)
    h.append("MIME-Version: 1.0")
    h.extend(extra)
    return CRLF.join(h) + CRLF


def att(data, name, typ):
    return {"name": name, "type": typ, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


CORPUS = {}


def add(name, raw, expect):
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    CORPUS[name] = (raw, expect)


# ---- everyday messages ------------------------------------------------------

add("plain_en_utf8",
    headers('"Alex Sender" <alex.sender@example.org>', "Worrying website",
            "plain-en-1@mail.example.org", extra=["Content-Type: text/plain; charset=utf-8",
                                                 "Content-Transfer-Encoding: 8bit"])
    + CRLF
    + "Hello,\r\n\r\nI came across this page and I think it is not right:\r\n"
      "https://bad.example.org/gallery?id=42.\r\n"
      "There is also (https://other.example.org/path_(x)) and <http://third.example.org/>.\r\n"
      "Thank you for your work.\r\n",
    {"usable": True, "from": "alex.sender@example.org", "from_name": "Alex Sender",
     "subject": "Worrying website", "date": "2026-03-03T09:15:00Z",
     "message_id": "plain-en-1@mail.example.org", "language": "en",
     "text_contains": ["I came across this page", "Thank you for your work."],
     "urls": ["https://bad.example.org/gallery?id=42", "https://other.example.org/path_(x)",
              "http://third.example.org/"],
     "attachments": [], "warnings": [], "forwarded": 0})

fr_text = ("Bonjour,\n\nJ'ai reçu un lien très inquiétant par message privé : "
           "https://site.example.org/été/à-voir\nPouvez-vous vérifier ? Les images "
           "sont choquantes et je ne sais pas quoi faire.\n\nMerci, Élodie\n")
fr_html = ("<html><head><title>x</title><style>p {color: red}</style></head><body>"
           "<p>Bonjour,</p><p>J'ai re&ccedil;u un lien tr&egrave;s inqui&eacute;tant : "
           "<a href=\"https://site.example.org/%C3%A9t%C3%A9/%C3%A0-voir\">ce lien</a></p>"
           "<script>alert('no')</script><p>Merci, &Eacute;lodie</p></body></html>")
add("alternative_fr_qp_latin1",
    headers("=?ISO-8859-1?Q?=C9lodie_Martin?= <elodie.m@example.org>",
            "=?ISO-8859-1?Q?Lien_tr=E8s_inqui=E9tant?=", "alt-fr-1@example.org",
            extra=['Content-Type: multipart/alternative; boundary="=_alt_fr"'])
    + CRLF + "This is a multi-part message in MIME format.\r\n"
    + "--=_alt_fr\r\nContent-Type: text/plain; charset=ISO-8859-1\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n\r\n" + qp(fr_text, "latin-1") + "\r\n"
    + "--=_alt_fr\r\nContent-Type: text/html; charset=ISO-8859-1\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n\r\n" + qp(fr_html, "latin-1") + "\r\n"
    + "--=_alt_fr--\r\n",
    {"usable": True, "from": "elodie.m@example.org", "from_name": "Élodie Martin",
     "subject": "Lien très inquiétant", "language": "fr",
     "text_contains": ["J'ai reçu un lien très inquiétant", "Merci, Élodie"],
     "text_excludes": ["alert(", "color: red", "<p>"],
     "urls": ["https://site.example.org/été/à-voir",
              "https://site.example.org/%C3%A9t%C3%A9/%C3%A0-voir"],
     "attachments": [], "warnings": [], "forwarded": 0})

nl_text = ("Beste,\n\nIk heb een website gevonden die er niet goed uitziet. Het adres is "
           "https://voorbeeld.example.org/foto's en het is niet de eerste keer.\n"
           "Met vriendelijke groet,\nJoëlle\n")
add("base64_nl_utf8",
    headers("Joëlle de Vries <joelle.vries@example.org>",
            "=?UTF-8?B?" + base64.b64encode("Melding: vreemde website – dringend".encode()).decode()
            + "?=", "b64-nl-1@example.org",
            extra=["Content-Type: text/plain; charset=UTF-8", "Content-Transfer-Encoding: base64",
                   "Content-Language: nl-BE"])
    + CRLF + b64lines(nl_text.encode("utf-8")) + CRLF,
    {"usable": True, "from": "joelle.vries@example.org",
     "subject": "Melding: vreemde website – dringend", "language": "nl",
     "text_contains": ["Ik heb een website gevonden", "Joëlle"],
     "urls": ["https://voorbeeld.example.org/foto's"],
     "attachments": [], "warnings": [], "forwarded": 0})

de_text = ("Guten Tag,\r\n\r\nich möchte eine Seite melden, die mir Sorgen macht: "
           "„https://seite.example.org/bilder“ – dort sind Fotos von Kindern mit "
           "Kommentaren, die nicht in Ordnung sind. Kosten: 5 € pro Zugang.\r\n\r\n"
           "Mit freundlichen Grüßen\r\nJürgen Weiß\r\n")
add("windows1252_de_8bit",
    headers("=?windows-1252?Q?J=FCrgen_Wei=DF?= <juergen.weiss@example.org>",
            "=?windows-1252?Q?Meldung_=96_bedenkliche_Seite?=", "cp1252-de-1@example.org",
            extra=["Content-Type: text/plain; charset=windows-1252",
                   "Content-Transfer-Encoding: 8bit"])
    .encode("ascii") + b"\r\n" + de_text.encode("cp1252"),
    {"usable": True, "from": "juergen.weiss@example.org", "from_name": "Jürgen Weiß",
     "subject": "Meldung – bedenkliche Seite", "language": "de",
     "text_contains": ["ich möchte eine Seite melden", "5 € pro Zugang", "„https://",
                       "Mit freundlichen Grüßen"],
     "urls": ["https://seite.example.org/bilder"],
     "attachments": [], "warnings": [], "forwarded": 0})

de_html = ("<html><body><div>Hallo,</div><div>diese Seite ist sehr bedenklich: "
           "<a href='https://html.example.org/seite?a=1&amp;b=2'>Link</a>&nbsp;und "
           "<a href=\"mailto:x@example.org\">hier</a>.</div><br><div>Gr&uuml;&szlig;e, "
           "Maria &amp; Max &#8211; &#x263A;</div></body></html>")
add("html_only_de_latin1",
    headers("maria.example@example.org", "Seite melden", "html-de-1@example.org",
            extra=["Content-Type: text/html; charset=iso-8859-1",
                   "Content-Transfer-Encoding: quoted-printable"])
    + CRLF + qp(de_html, "latin-1") + CRLF,
    {"usable": True, "from": "maria.example@example.org", "from_name": None,
     "subject": "Seite melden",
     "text_contains": ["diese Seite ist sehr bedenklich", "Grüße, Maria & Max – ☺"],
     "text_excludes": ["<div>", "&amp;"],
     "urls": ["https://html.example.org/seite?a=1&b=2"],
     "attachments": [], "warnings": [], "forwarded": 0})

PNG_RED = png(8, 8, (200, 30, 30))
PNG_BLUE = png(16, 12, (20, 40, 220))
add("inline_images",
    headers("Sam Example <sam.example@example.org>", "Screenshots of the page",
            "inline-1@example.org", extra=['Content-Type: multipart/mixed; boundary="mix"'])
    + CRLF
    + "--mix\r\nContent-Type: multipart/related; boundary=\"rel\"\r\n\r\n"
    + "--rel\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
      "<p>Here is what I saw on https://shots.example.org/p/1</p><img src=\"cid:red@x\">\r\n"
    + "--rel\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n"
      "Content-ID: <red@x>\r\nContent-Disposition: inline; filename=\"red.png\"\r\n\r\n"
    + b64lines(PNG_RED) + "\r\n--rel--\r\n"
    + "--mix\r\nContent-Type: image/png; name=\"blue square.png\"\r\n"
      "Content-Transfer-Encoding: base64\r\n"
      "Content-Disposition: attachment; filename=\"blue square.png\"\r\n\r\n"
    + b64lines(PNG_BLUE) + "\r\n--mix--\r\n",
    {"usable": True, "from": "sam.example@example.org", "subject": "Screenshots of the page",
     "text_contains": ["Here is what I saw"],
     "urls": ["https://shots.example.org/p/1"],
     "attachments": [att(PNG_RED, "red.png", "image/png"),
                     att(PNG_BLUE, "blue square.png", "image/png")],
     "warnings": [], "forwarded": 0})

inner = (headers("Unknown Person <unknown.person@example.org>", "Look at this",
                 "inner-1@example.org", date="Mon, 02 Mar 2026 22:01:00 +0000",
                 extra=["Content-Type: text/plain; charset=utf-8"])
         + CRLF + "hey, look at hxxp://forwarded.example[.]org/secret ok?\r\n")
add("forwarded_fr",
    headers("Parent Inquiet <parent.inquiet@example.org>", "Fwd: Look at this",
            "fwd-fr-1@example.org", extra=['Content-Type: multipart/mixed; boundary="fw"'])
    + CRLF
    + "--fw\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
      "Mon fils a reçu ce message. Je vous le transfère.\r\n"
    + "--fw\r\nContent-Type: message/rfc822\r\nContent-Disposition: inline\r\n\r\n" + inner
    + "--fw--\r\n",
    {"usable": True, "from": "parent.inquiet@example.org", "subject": "Fwd: Look at this",
     "text_contains": ["Mon fils a reçu ce message", "---------- Forwarded message ----------",
                       "From: Unknown Person <unknown.person@example.org>",
                       "Subject: Look at this", "Date: 2026-03-02 22:01 UTC",
                       "hey, look at hxxp://forwarded.example[.]org/secret"],
     "urls": ["http://forwarded.example.org/secret"],
     "attachments": [], "warnings": [], "forwarded": 1})

mid = (headers("Teacher <teacher.one@example.org>", "Fwd: Look at this", "mid-1@example.org",
               extra=['Content-Type: multipart/mixed; boundary="m2"'])
       + CRLF + "--m2\r\nContent-Type: text/plain\r\n\r\nA pupil showed me this.\r\n"
       + "--m2\r\nContent-Type: message/rfc822\r\n\r\n" + inner + "--m2--\r\n")
add("forwarded_twice",
    headers("Head Teacher <head.teacher@example.org>", "Fwd: Fwd: Look at this",
            "fwd2-1@example.org", extra=['Content-Type: multipart/mixed; boundary="m1"'])
    + CRLF + "--m1\r\nContent-Type: text/plain\r\n\r\nForwarding what a teacher sent me.\r\n"
    + "--m1\r\nContent-Type: message/rfc822\r\n\r\n" + mid + "--m1--\r\n",
    {"usable": True, "from": "head.teacher@example.org",
     "text_contains": ["Forwarding what a teacher sent me", "A pupil showed me this.",
                       "From: Teacher <teacher.one@example.org>", "hey, look at"],
     "urls": ["http://forwarded.example.org/secret"], "attachments": [], "warnings": [],
     "forwarded": 2})

add("no_message_id_mbox",
    "From sender@example.org Tue Mar  3 10:00:00 2026\r\n"
    + headers("plain.sender@example.org", "No id", None,
              extra=["Content-Type: text/plain"]) + CRLF
    + "A message without a Message-ID: https://noid.example.org/\r\n",
    {"usable": True, "from": "plain.sender@example.org", "message_id": None,
     "urls": ["https://noid.example.org/"], "attachments": [], "warnings": [], "forwarded": 0})

# ---- malformations -------------------------------------------------------------

add("broken_boundary",
    headers("Broken Mime <broken.mime@example.org>", "Broken boundary", "broken-1@example.org",
            extra=['Content-Type: multipart/mixed; boundary="right"'])
    + CRLF + "--wrong\r\nContent-Type: text/plain\r\n\r\n"
      "The boundary here is not the declared one. https://broken.example.org/a\r\n"
      "--wrong--\r\n",
    {"usable": True, "from": "broken.mime@example.org",
     "urls": ["https://broken.example.org/a"], "attachments": [],
     "warnings": ["boundary", "truncated"],
     "forwarded": 0})

add("missing_end_boundary",
    headers("Cut Short <cut.short@example.org>", "Cut short", "cut-1@example.org",
            extra=['Content-Type: multipart/mixed; boundary="b1"'])
    + CRLF + "--b1\r\nContent-Type: text/plain\r\n\r\nThe first part is fine.\r\n"
    + "--b1\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n"
      "Content-Disposition: attachment; filename=\"cut.png\"\r\n\r\n"
    + base64.b64encode(PNG_RED).decode()[:61] + "\r\n",
    {"usable": True, "from": "cut.short@example.org",
     "text_contains": ["The first part is fine."],
     "attachments": [att(base64.b64decode(base64.b64encode(PNG_RED)[:60]), "cut.png",
                         "image/png")],
     "warnings": ["base64", "truncated"], "forwarded": 0})

add("bad_base64",
    headers("Bad Encoding <bad.encoding@example.org>", "Bad base64", "b64bad-1@example.org",
            extra=["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64"])
    + CRLF + base64.b64encode("Text before the damage https://b64.example.org/x ".encode())
    .decode() + "!!**%%" + "QUJD" + "RA\r\n",
    {"usable": True, "from": "bad.encoding@example.org",
     "text_contains": ["Text before the damage"], "urls": ["https://b64.example.org/x"],
     "attachments": [], "warnings": ["base64"], "forwarded": 0})

add("bad_quoted_printable",
    headers("Bad Qp <bad.qp@example.org>", "Bad qp", "qpbad-1@example.org",
            extra=["Content-Type: text/plain; charset=iso-8859-1",
                   "Content-Transfer-Encoding: quoted-printable"])
    + CRLF + "Caf=E9 =ZZ and 100=% sure https://qp.example.org/=\r\npage\r\n",
    {"usable": True, "from": "bad.qp@example.org",
     "text_contains": ["Café =ZZ and 100=% sure"], "urls": ["https://qp.example.org/page"],
     "attachments": [], "warnings": ["quoted_printable"], "forwarded": 0})

add("bad_charset",
    headers("Bad Charset <bad.charset@example.org>", "Wrong charset", "cs-1@example.org",
            extra=['Content-Type: multipart/mixed; boundary="cs"'])
    .encode() + b"\r\n--cs\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
    b"Declared UTF-8 but written in Latin-1: caf\xe9 cr\xe8me.\r\n"
    b"--cs\r\nContent-Type: text/plain; charset=x-no-such-charset\r\n\r\n"
    b"An unknown charset, plain ASCII inside.\r\n--cs--\r\n",
    {"usable": True, "from": "bad.charset@example.org",
     "text_contains": ["Declared UTF-8 but written in Latin-1: caf\ufffd cr\ufffdme.",
                       "An unknown charset, plain ASCII inside."],
     "attachments": [], "warnings": ["charset_invalid", "charset_unknown"], "forwarded": 0})

add("absurd_headers",
    headers("Huge Headers <huge.headers@example.org>", "Normal subject", "huge-1@example.org",
            extra=["X-Junk: " + "A" * 200000, "X-Folded: x\r\n " + ("B" * 70 + "\r\n ") * 2000 + "end",
                   "Content-Type: text/plain"])
    + CRLF + "The body survives absurd header sizes. https://huge.example.org/\r\n",
    {"usable": True, "from": "huge.headers@example.org", "subject": "Normal subject",
     "urls": ["https://huge.example.org/"], "attachments": [], "warnings": ["header_too_long"],
     "forwarded": 0})

add("absurd_subject",
    "From: Long Subject <long.subject@example.org>\r\nSubject: " + "S" * 50000 + "\r\n"
    "Message-ID: <longsub-1@example.org>\r\nContent-Type: text/plain\r\n\r\n"
    "The subject was too long to keep.\r\n",
    {"usable": True, "from": "long.subject@example.org", "subject": None,
     "text_contains": ["The subject was too long to keep."], "attachments": [],
     "warnings": ["header_too_long"], "forwarded": 0})

add("many_headers",
    "From: Many Headers <many.headers@example.org>\r\nSubject: Many headers\r\n"
    + "".join("X-H%d: v\r\n" % i for i in range(2000))
    + "Message-ID: <many-1@example.org>\r\nContent-Type: text/plain\r\n\r\n"
    "Two thousand header fields before this text.\r\n",
    {"usable": True, "from": "many.headers@example.org", "subject": "Many headers",
     "message_id": None,
     "text_contains": ["Two thousand header fields before this text."],
     "attachments": [], "warnings": ["headers_too_many"], "forwarded": 0})

zbuf = io.BytesIO()
with zipfile.ZipFile(zbuf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    for i in range(4):
        z.writestr("zeros%d.bin" % i, b"\0" * (25 << 20))
ZIP = zbuf.getvalue()
add("zip_bomb",
    headers("Zip Sender <zip.sender@example.org>", "Archive", "zip-1@example.org",
            extra=['Content-Type: multipart/mixed; boundary="z"'])
    + CRLF + "--z\r\nContent-Type: text/plain\r\n\r\nThe archive holds 100 MB of zeros.\r\n"
    + "--z\r\nContent-Type: application/zip\r\nContent-Transfer-Encoding: base64\r\n"
      "Content-Disposition: attachment; filename=\"files.zip\"\r\n\r\n"
    + b64lines(ZIP) + "\r\n--z--\r\n",
    {"usable": True, "from": "zip.sender@example.org",
     "attachments": [att(ZIP, "files.zip", "application/zip")], "warnings": [],
     "forwarded": 0})

deep = "Deepest text https://deep.example.org/\r\n"
body = "Content-Type: text/plain\r\n\r\n" + deep
for i in range(20):
    body = ("Content-Type: multipart/mixed; boundary=\"d%d\"\r\n\r\n--d%d\r\n%s\r\n--d%d--\r\n"
            % (i, i, body, i))
add("deep_nesting",
    "From: Deep Nest <deep.nest@example.org>\r\nSubject: Deep\r\n"
    "Message-ID: <deep-1@example.org>\r\nMIME-Version: 1.0\r\n" + body,
    {"usable": True, "from": "deep.nest@example.org", "subject": "Deep", "urls": [],
     "attachments": [], "warnings": ["depth"], "forwarded": 0})

parts = "".join("--p\r\nContent-Type: text/plain\r\n\r\npart %d\r\n" % i for i in range(400))
add("many_parts",
    headers("Many Parts <many.parts@example.org>", "Many parts", "parts-1@example.org",
            extra=['Content-Type: multipart/mixed; boundary="p"'])
    + CRLF + parts + "--p--\r\n",
    {"usable": True, "from": "many.parts@example.org", "text_contains": ["part 0", "part 254"],
     "text_excludes": ["part 399"], "attachments": [], "warnings": ["parts_too_many"],
     "forwarded": 0})

add("bad_sender",
    "From: not an address at all\r\nSubject: No sender\r\nMessage-ID: <nosender-1@example.org>\r\n"
    "Content-Type: text/plain\r\n\r\nNo usable sender, still a report: https://nos.example.org/\r\n",
    {"usable": True, "from": None, "urls": ["https://nos.example.org/"], "attachments": [],
     "warnings": ["from_invalid"], "forwarded": 0})

# ---- nothing to report -----------------------------------------------------------

add("empty_body",
    headers("Empty Sender <empty.sender@example.org>", "", "empty-1@example.org",
            extra=["Content-Type: text/plain"]) + CRLF + "   \r\n\r\n",
    {"usable": False, "reason": "mail.empty"})

add("not_a_message",
    "This is not an e-mail message: no header at all.\r\nJust text.\r\n",
    {"usable": False, "reason": "mail.not_a_message"})


def main():
    for name in sorted(CORPUS):
        raw, expect = CORPUS[name]
        with open(os.path.join(HERE, name + ".eml"), "wb") as f:
            f.write(raw)
        with open(os.path.join(HERE, name + ".json"), "w") as f:
            json.dump(expect, f, indent=1, ensure_ascii=False, sort_keys=True)
            f.write("\n")
    print("wrote %d messages" % len(CORPUS))


if __name__ == "__main__":
    main()
