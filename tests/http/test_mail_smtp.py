#!/usr/bin/env python3
"""Mail out through a real SMTP server on loopback (Debian's
python3-aiosmtpd, started here): acknowledgements to e-mail reporters,
messages staff write from the console, the outgoing-mail page; the relay
down then up (nothing lost, nothing sent twice); a relay that refuses for
good (failed, shown, retried by a supervisor); AUTH with a credentials file
(refused when others can read it); STARTTLS with a certificate made here."""

import email
import email.policy
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import REPO, Doc, Server, hotline_bin, run_cli  # noqa: E402
from test_console_common import ConsoleTestCase  # noqa: E402

from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.smtp import AuthResult  # noqa: E402

CORPUS = os.path.join(REPO, "tests", "data", "mail")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Sink:
    """Records every message; RCPT to a "reject" address gets 550."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("reject"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), msg,
                                  getattr(session, "authenticated", False)))
        return "250 Message accepted for delivery"

    def wait(self, n, timeout=30):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self.lock:
                if len(self.messages) >= n:
                    return list(self.messages)
            time.sleep(0.1)
        with self.lock:
            return list(self.messages)

    def wait_for(self, pred, timeout=30):
        """The first message that satisfies pred, or None after timeout
        (other mail, such as a receipt, may arrive first)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self.lock:
                for m in self.messages:
                    if pred(m):
                        return m
            time.sleep(0.1)
        return None


def start_sink(port, sink, **kw):
    c = Controller(sink, hostname="127.0.0.1", port=port, **kw)
    c.start()
    return c


PROFILE = """org_name = Example Hotline
org_email = report@example.org
org_website = https://www.example.org
classification = inhope
mail.relay = smtp://127.0.0.1:{port}
mail.starttls = no
mail.from = hotline@example.org
mail.ack = yes
mail.retry_min_seconds = 1
mail.retry_max_seconds = 2
mail.poll_seconds = 1
mail.timeout_seconds = 10
"""


def ingest(data, raw):
    return subprocess.run([hotline_bin(), "mail", "ingest", "--data", data], input=raw,
                          capture_output=True, timeout=60)


def message(n, sender="reporter.%d@example.org", lang=None):
    extra = "Content-Language: %s\r\n" % lang if lang else ""
    return ("From: Reporter %d <%s>\r\nTo: report@example.org\r\nSubject: Report %d\r\n"
            "Message-ID: <smtp-test-%d-%d@example.org>\r\n%sContent-Type: text/plain; charset=utf-8\r\n\r\n"
            "Please look at https://site%d.example.org/page\r\n"
            % (n, sender % n if "%d" in sender else sender, n, n, os.getpid(), extra, n)).encode()


class MailOut(ConsoleTestCase):

    @classmethod
    def setUpClass(cls):
        cls.port = free_port()
        cls.sink = Sink()
        cls.ctl = start_sink(cls.port, cls.sink)
        cls.tmp = tempfile.mkdtemp(prefix="hotline-smtp-")
        cls.profile = os.path.join(cls.tmp, "profile.conf")
        with open(cls.profile, "w") as f:
            f.write(PROFILE.format(port=cls.port))
        # the profile lives in the data folder, where `mail ingest` reads it too
        cls.srv = Server(["--lookup-limit", "100000"])
        r = run_cli(["init", "--data", cls.srv.data, "--profile", cls.profile])
        if r.returncode != 0:
            raise RuntimeError("init: " + r.stderr)
        try:
            cls.srv.start()
        except Exception:
            cls.srv.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        try:
            cls.ctl.stop()
        except Exception:
            pass
        shutil.rmtree(cls.tmp, True)

    def sent_to(self, addr):
        return [m for m in self.sink.messages if addr in m[1]]

    def queue(self, *args):
        r = self.cli("mail", "queue", "--json", "--limit", "1000", *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        import json
        return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]

    def test_1_ack_and_headers(self):
        r = ingest(self.srv.data, message(1, lang="fr"))
        self.assertEqual(r.returncode, 0, r.stderr)
        number = r.stdout.decode().split()[1]
        got = self.sink.wait(1)
        mine = self.sent_to("reporter.1@example.org")
        self.assertEqual(len(mine), 1, got)
        mail_from, rcpts, msg, _ = mine[0]
        self.assertEqual(mail_from, "hotline@example.org")
        self.assertEqual(rcpts, ["reporter.1@example.org"])
        self.assertEqual(msg["To"], "reporter.1@example.org")
        self.assertIn("hotline@example.org", msg["From"])
        self.assertIn("Example Hotline", msg["From"])
        self.assertIn(number, msg["Subject"])
        self.assertIn("reçu", msg["Subject"])  # French: the report's language
        self.assertEqual(msg["Auto-Submitted"], "auto-generated")
        self.assertRegex(msg["Message-ID"], r"^<hotline\.[0-9a-f]{32}@example\.org>$")
        body = msg.get_content()
        self.assertIn(number, body)
        self.assertIn("Example Hotline", body)
        # delivered the same message again: no second report, no second ack
        r = ingest(self.srv.data, message(1, lang="fr"))
        self.assertEqual(r.stdout.decode().strip(), "already taken as report " + number)
        time.sleep(2.5)
        self.assertEqual(len(self.sent_to("reporter.1@example.org")), 1)
        q = [m for m in self.queue() if m["kind"] == "ack" and m["ref_id"] == number]
        self.assertEqual(len(q), 1)
        self.assertEqual(q[0]["state"], "sent")
        # the sending is in the audit log; the address is nowhere in clear
        rows = self.audit(action="mail.sent")
        self.assertTrue(any(r.get("object_id") == number for r in rows), rows)
        with open(self.srv.db_path, "rb") as f:
            self.assertNotIn(b"reporter.1@example.org", f.read())

    def test_2_relay_down_then_up(self):
        global_before = len(self.sink.messages)
        self.ctl.stop()
        numbers = []
        try:
            for n in range(10, 15):
                r = ingest(self.srv.data, message(n))
                self.assertEqual(r.returncode, 0, r.stderr)
                numbers.append(r.stdout.decode().split()[1])
            # the sender tries, fails, and keeps them queued with the error
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                q = {m["ref_id"]: m for m in self.queue() if m["ref_id"] in numbers}
                if len(q) == 5 and all(m["attempts"] >= 1 and m["state"] == "queued"
                                       and m["last_error"] for m in q.values()):
                    break
                time.sleep(0.2)
            else:
                self.fail("not retried with an error: %r" % self.queue())
        finally:
            self.__class__.ctl = start_sink(self.port, self.sink)
        got = self.sink.wait(global_before + 5, timeout=30)
        time.sleep(3)  # anything sent twice would have arrived by now
        for n, number in zip(range(10, 15), numbers):
            mine = self.sent_to("reporter.%d@example.org" % n)
            self.assertEqual(len(mine), 1, "reporter %d: %d messages" % (n, len(mine)))
            self.assertIn(number, mine[0][2]["Subject"])
        self.assertEqual(len(self.sink.messages), global_before + 5, got)
        q = {m["ref_id"]: m for m in self.queue() if m["ref_id"] in numbers}
        self.assertTrue(all(m["state"] == "sent" for m in q.values()), q)

    def test_3_staff_write_and_queue_page(self):
        r = ingest(self.srv.data, message(20, sender="reject.me@example.org"))
        number_rejected = r.stdout.decode().split()[1]
        r = ingest(self.srv.data, message(21))
        number = r.stdout.decode().split()[1]
        self.sink.wait(len(self.sink.messages) + 1)
        cw = self.staff_session("case_worker", "mailer")
        s, h, b = cw.get("/reports/" + number)
        self.assertEqual(s, 200)
        doc = Doc(b.decode())
        self.assertIsNotNone(doc.by_id("act-mail"), "no write form on an e-mail report")
        self.assertEqual(doc.by_id("report-subject").text, "Report 21")
        self.assertNotIn(b"reporter.21@example.org", b)
        # hostile and empty input
        self.assertEqual(cw.post("/reports/%s/mail" % number, {"csrf": cw.csrf, "text": ""})[0], 422)
        self.assertEqual(cw.post("/reports/%s/mail" % number,
                                 {"csrf": cw.csrf, "text": "x" * 6000})[0], 422)
        self.assertEqual(cw.post("/reports/%s/mail" % number,
                                 {"csrf": cw.csrf, "text": "a\x01b"})[0], 422)
        self.assertEqual(cw.post("/reports/%s/mail" % number, {"text": "no csrf"})[0], 403)
        self.assertEqual(cw.post("/reports/999-999-999/mail",
                                 {"csrf": cw.csrf, "text": "hi"})[0], 404)
        before = len(self.sink.messages)
        text = "Thank you. Could you tell us when you saw the page?\nSubject: injected"
        s, h, b = cw.post("/reports/%s/mail" % number, {"csrf": cw.csrf, "text": text})
        self.assertEqual(s, 303, b[:300])
        got = self.sink.wait(before + 1)
        mine = [m for m in got[before:] if "reporter.21@example.org" in m[1]]
        self.assertEqual(len(mine), 1, got[before:])
        msg = mine[0][2]
        self.assertIn(number, msg["Subject"])
        self.assertIn("Could you tell us when you saw the page?", msg.get_content())
        self.assertIsNone(msg["Auto-Submitted"])
        self.assertEqual(len(msg.get_all("Subject")), 1)
        rows = self.audit(action="report.mail", actor=cw.staff.actor)
        self.assertEqual([r["object_id"] for r in rows], [number])
        # a web report has no e-mail address to write to
        s, _, j = self.srv.api_report({"kind": "abuse_material", "urls": ["https://w.example.org/"]})
        self.assertEqual(cw.post("/reports/%s/mail" % j["number"],
                                 {"csrf": cw.csrf, "text": "hello"})[0], 422)
        # the relay refused the ack of reject.me for good: failed, shown, retried
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            q = [m for m in self.queue() if m["ref_id"] == number_rejected]
            if q and q[0]["state"] == "failed":
                break
            time.sleep(0.2)
        self.assertEqual(q[0]["state"], "failed", q)
        self.assertIn("550", q[0]["last_error"])
        sup = self.staff_session("supervisor", "mailsup")
        s, _, b = sup.get("/mail?state=failed")
        self.assertEqual(s, 200)
        doc = Doc(b.decode())
        row = doc.by_id("mail-%d" % q[0]["id"])
        self.assertIsNotNone(row)
        self.assertEqual(row.get("data-state"), "failed")
        self.assertNotIn(b"reject.me@example.org", b)
        self.assertNotIn(b"reporter.21@example.org", sup.get("/mail")[2])
        self.assertEqual(sup.get("/mail?state=bogus")[0], 422)
        s, h, _ = sup.post("/mail/%d/retry" % q[0]["id"], {"csrf": sup.csrf})
        self.assertEqual(s, 303)
        self.assertEqual(sup.post("/mail/%d/retry" % 999999, {"csrf": sup.csrf})[0], 404)
        self.assertEqual(sup.post("/mail/abc/retry", {"csrf": sup.csrf})[0], 404)
        self.assertTrue(self.audit(action="mail.requeue", actor=sup.staff.actor))
        # who may see the page: supervisors and admins
        adm = self.staff_session("admin", "mailadm")
        self.assertEqual(adm.get("/mail")[0], 200)
        self.assertEqual(cw.get("/mail")[0], 403)
        an = self.staff_session("analyst", "mailan")
        self.assertEqual(an.get("/mail")[0], 403)

    def test_4_api_write(self):
        r = ingest(self.srv.data, message(30))
        number = r.stdout.decode().split()[1]
        name, key = self.add_apikey("case_worker", "mailapi")
        h = {"Authorization": "Bearer " + key, "Content-Type": "application/json"}
        s, _, b = self.con("POST", "/api/v1/reports/%s/mail" % number, h, b'{"text": 5}')
        self.assertEqual(s, 422)
        s, _, b = self.con("POST", "/api/v1/reports/%s/mail" % number, h, b'{"text": ""}')
        self.assertEqual(s, 422)
        s, _, b = self.con("POST", "/api/v1/reports/%s/mail" % number, h, b'not json')
        self.assertEqual(s, 400)
        s, _, b = self.con("POST", "/api/v1/reports/%s/mail" % number, h,
                           b'{"text": "Bedankt voor uw melding."}')
        self.assertEqual(s, 200, b)
        # the receipt of message 30 may reach the sink first: wait for this one
        self.assertIsNotNone(self.sink.wait_for(
            lambda m: "reporter.30@example.org" in m[1] and "Bedankt" in m[2].get_content()))


class MailConfig(unittest.TestCase):
    """serve and `mail flush` with credentials, AUTH and STARTTLS."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="hotline-smtpcfg-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.data = os.path.join(self.tmp, "var")

    def write_profile(self, text):
        r = run_cli(["init", "--data", self.data])
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(self.data, "profile.conf"), "a") as f:
            f.write("\n" + text)

    def test_credentials_file_mode_and_auth(self):
        port = free_port()
        sink = Sink()
        seen = []

        def auth(server, session, envelope, mechanism, data):
            seen.append((data.login, data.password))
            ok = data.login == b"hotline" and data.password == b"s3cret pass"
            return AuthResult(success=ok)
        ctl = start_sink(port, sink, authenticator=auth, auth_require_tls=False,
                         auth_required=True)
        self.addCleanup(ctl.stop)
        cred = os.path.join(self.tmp, "smtp.cred")
        with open(cred, "w") as f:
            f.write("hotline\ns3cret pass\n")
        os.chmod(cred, 0o644)
        self.write_profile(PROFILE.format(port=port) + "mail.credentials = %s\n" % cred)
        # readable by others: serve refuses to start, flush refuses to send
        srv = Server(tmpdir=self.tmp)
        with self.assertRaises(RuntimeError):
            srv.start()
        srv.cleanup = lambda: None
        self.assertIn("mail", srv.stderr_text())
        r = run_cli(["mail", "send-test", "--to", "ops@example.org", "--data", self.data])
        self.assertEqual(r.returncode, 2)
        self.assertIn("chmod 600", r.stderr)
        os.chmod(cred, 0o600)
        r = run_cli(["mail", "send-test", "--to", "ops@example.org", "--data", self.data])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        got = sink.wait(2)  # the test message, and the earlier one queued by the refused run
        self.assertTrue(got and all(m[3] for m in got), got)
        self.assertEqual(seen[-1], (b"hotline", b"s3cret pass"))
        self.assertIn("Test message", got[0][2]["Subject"])
        # a wrong password: the message stays queued, nothing lost
        with open(cred, "w") as f:
            f.write("hotline\nwrong\n")
        r = run_cli(["mail", "send-test", "--to", "ops@example.org", "--data", self.data])
        self.assertEqual(r.returncode, 2)
        self.assertIn("to retry 1", r.stdout)

    def test_starttls(self):
        cert, key = os.path.join(self.tmp, "cert.pem"), os.path.join(self.tmp, "key.pem")
        r = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                            "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                            "-addext", "subjectAltName=IP:127.0.0.1"], capture_output=True)
        if r.returncode != 0:
            self.skipTest("openssl cannot make a certificate: %s" % r.stderr[-200:])
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(cert, key)
        port = free_port()
        sink = Sink()
        ctl = start_sink(port, sink, tls_context=ctx, require_starttls=True)
        self.addCleanup(ctl.stop)
        self.write_profile(PROFILE.format(port=port).replace("mail.starttls = no",
                                                             "mail.starttls = yes")
                           + "mail.ca_file = %s\n" % cert)
        r = run_cli(["mail", "send-test", "--to", "ops@example.org", "--data", self.data])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(len(sink.wait(1)), 1)
        # without the CA the certificate is refused: queued, not sent, not lost
        with open(os.path.join(self.data, "profile.conf"), "a") as f:
            f.write("\nmail.ca_file = /nonexistent/ca.pem\n")
        r = run_cli(["mail", "send-test", "--to", "ops2@example.org", "--data", self.data])
        self.assertEqual(r.returncode, 2)
        self.assertIn("to retry 1", r.stdout)

    def test_no_relay(self):
        r = run_cli(["init", "--data", self.data])
        r = run_cli(["mail", "flush", "--data", self.data])
        self.assertEqual(r.returncode, 2)
        self.assertIn("no relay", r.stderr)
        r = run_cli(["mail", "queue", "--data", self.data])
        self.assertEqual(r.returncode, 0)
        self.assertEqual(r.stdout, "")


if __name__ == "__main__":
    unittest.main()
