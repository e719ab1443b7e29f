#!/usr/bin/env python3
"""Host look-ups through the DNS (issue 6: "resolve the host, with a
timeout, off the request path, never blocking intake"), against a DNS
server the test runs on loopback (`resolver_servers`), so no traffic
leaves the machine: A and AAAA answers, many addresses, NXDOMAIN,
SERVFAIL, a server that stays silent (the look-up times out after
`resolver_timeout_ms` and the item is marked failed), garbage and
mismatched answers, a hundred names in one round (asked together, not one
after another), and a profile whose server list does not parse."""

import os
import socket
import struct
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, hotline_bin, parse_json, write_profile  # noqa: E402
from mmdb_writer import write_mmdb  # noqa: E402
from test_console_common import ConsoleTestCase  # noqa: E402

A, AAAA = 1, 28
BULK = 100   # names answered in the bulk test
SILENT = 10  # names never answered in the same round


class Dns:
    """A DNS server on 127.0.0.1 (UDP) answering from a table; logs every
    question it gets, in order of arrival."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.log = []  # (name, qtype)
        self.lock = threading.Lock()
        self.records = {
            "a.dns.test": {A: ["192.0.2.10"], AAAA: ["2001:db8::10"]},
            "many.dns.test": {A: ["192.0.2.%d" % i for i in range(1, 21)]},
            "v6only.dns.test": {AAAA: ["2001:db8::20"]},
        }
        for i in range(BULK):
            self.records["bulk%d.dns.test" % i] = {A: ["198.51.100.%d" % (i + 1)]}
        self.running = True
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def stop(self):
        self.running = False
        self.sock.close()

    def questions(self):
        with self.lock:
            return list(self.log)

    @staticmethod
    def parse(q):
        qid, flags, qd = struct.unpack(">HHH", q[:6])
        pos, labels = 12, []
        while q[pos]:
            n = q[pos]
            labels.append(q[pos + 1:pos + 1 + n].decode("ascii").lower())
            pos += 1 + n
        qtype, = struct.unpack(">H", q[pos + 1:pos + 3])
        return qid, ".".join(labels), qtype, q[12:pos + 5]

    def serve(self):
        while self.running:
            try:
                q, peer = self.sock.recvfrom(4096)
            except OSError:
                return
            try:
                qid, name, qtype, question = self.parse(q)
            except (IndexError, struct.error, UnicodeDecodeError):
                continue
            with self.lock:
                self.log.append((name, qtype))
            if name.startswith("silent"):
                continue  # never answers
            if name == "garbage.dns.test":
                reply = struct.pack(">H", qid) + b"\x81\x80\x00\x01\x00\x05" + b"\xff" * 9
            elif name == "wrongid.dns.test":
                reply = self.answer((qid + 1) & 0xFFFF, question, qtype, {A: ["192.0.2.99"]}, 0)
            elif name == "fail.dns.test":
                reply = self.answer(qid, question, qtype, {}, 2)  # SERVFAIL
            elif name in self.records:
                reply = self.answer(qid, question, qtype, self.records[name], 0)
            else:
                reply = self.answer(qid, question, qtype, {}, 3)  # NXDOMAIN
            try:
                self.sock.sendto(reply, peer)
            except OSError:
                return

    @staticmethod
    def answer(qid, question, qtype, table, rcode):
        rrs = b""
        addrs = table.get(qtype, [])
        for a in addrs:
            fam = socket.AF_INET if qtype == A else socket.AF_INET6
            data = socket.inet_pton(fam, a)
            rrs += struct.pack(">HHHIH", 0xC00C, qtype, 1, 60, len(data)) + data
        head = struct.pack(">HHHHHH", qid, 0x8180 | rcode, 1, len(addrs), 0, 0)
        return head + question + rrs


class HostingDnsTest(ConsoleTestCase):

    @classmethod
    def setUpClass(cls):
        tmp = os.path.join("/tmp", "hotline-dns-%d" % os.getpid())
        os.makedirs(tmp, exist_ok=True)
        cls.dir = tmp
        write_mmdb(os.path.join(tmp, "country.mmdb"), "Test-Country", [
            ("192.0.2.0/24", {"country": {"iso_code": "BE"}}),
            ("198.51.100.0/24", {"country_code": "NL"}),
        ])
        write_mmdb(os.path.join(tmp, "asn.mmdb"), "Test-ASN", [
            ("192.0.2.0/24", {"autonomous_system_number": 64500,
                              "autonomous_system_organization": "Example Hosting BE"}),
        ])
        cls.dns = Dns()
        # time-out: long enough for answers under a loaded CI (the DNS
        # server is a Python thread), short enough for the silent names
        cls.profile = write_profile(
            os.path.join(tmp, "profile.conf"),
            "geo_country_mmdb = %s/country.mmdb\ngeo_asn_mmdb = %s/asn.mmdb\n"
            "resolver_servers = 127.0.0.1:%d\nresolver_timeout_ms = 2000\n"
            % (tmp, tmp, cls.dns.port))
        cls.SERVER_ARGS = ["--lookup-limit", "100000", "--profile", cls.profile]
        super().setUpClass()
        cls.key = None

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.dns.stop()
        for n in ("country.mmdb", "asn.mmdb", "profile.conf"):
            try:
                os.remove(os.path.join(cls.dir, n))
            except OSError:
                pass
        os.rmdir(cls.dir)

    # helpers
    def api(self, method, path):
        if not type(self).key:
            type(self).key = self.add_apikey("analyst")[1]
        s, _, b = self.con(method, path, {"Authorization": "Bearer " + type(self).key})
        return s, parse_json(b)

    def report(self, urls):
        s, _, j = self.srv.api_report({"kind": "abuse_material", "urls": urls,
                                       "where": "website"})
        self.assertEqual(s, 201, j)

    def items(self):
        s, j = self.api("GET", "/api/v1/items?limit=500")
        self.assertEqual(s, 200, j)
        return {i["url"]: i for i in j["items"]}

    def hosting_of(self, urls):
        """Waits until every URL's item is looked up; returns url -> item."""
        out = {}
        for _ in range(300):
            got = self.items()
            for u in urls:
                it = got.get(u)
                if it and u not in out:
                    s, j = self.api("GET", "/api/v1/items/%d" % it["id"])
                    self.assertEqual(s, 200, j)
                    if j["hosting"]["source"] != "pending":
                        out[u] = j
            if len(out) == len(urls):
                return out
            time.sleep(0.1)
        self.fail("not looked up: %r" % sorted(set(urls) - set(out)))

    # tests
    def test_answers_give_addresses_country_and_network(self):
        urls = ["https://a.dns.test/one", "https://many.dns.test/two",
                "https://v6only.dns.test/three"]
        self.report(urls)
        got = self.hosting_of(urls)
        a = got[urls[0]]
        self.assertEqual(a["hosting"]["source"], "done")
        self.assertEqual(sorted(a["hosting"]["addresses"]), ["192.0.2.10", "2001:db8::10"])
        self.assertEqual((a["country"], a["asn"]), ("BE", 64500))
        many = got[urls[1]]["hosting"]["addresses"]
        self.assertEqual(len(many), 8, many)  # at most eight kept
        self.assertEqual(len(set(many)), 8)
        self.assertTrue(all(x.startswith("192.0.2.") for x in many), many)
        v6 = got[urls[2]]
        self.assertEqual(v6["hosting"]["addresses"], ["2001:db8::20"])
        self.assertIsNone(v6["country"])
        names = {n for n, _ in self.dns.questions()}
        self.assertTrue({"a.dns.test", "many.dns.test", "v6only.dns.test"} <= names)

    def test_failures_mark_the_item_failed_and_intake_goes_on(self):
        bad = ["https://nx.dns.test/", "https://fail.dns.test/", "https://silent.dns.test/",
               "https://garbage.dns.test/", "https://wrongid.dns.test/"]
        for u in bad:
            self.report([u])
        # intake does not wait for look-ups: a report made meanwhile is taken
        self.report(["https://a.dns.test/meanwhile"])
        got = self.hosting_of(bad)
        for u in bad:
            self.assertEqual(got[u]["hosting"]["source"], "failed", u)
            self.assertEqual(got[u]["hosting"]["addresses"], [], u)
        asked = {n for n, _ in self.dns.questions()}
        for u in bad:
            self.assertIn(u.split("/")[2], asked)

    def test_a_round_asks_its_names_together(self):
        bulk = ["https://bulk%d.dns.test/x" % i for i in range(BULK)]
        silent = ["https://silent%d.dns.test/x" % i for i in range(SILENT)]
        # silent names first: one after the other, each would hold the
        # rest for the whole time-out
        self.report(silent + bulk[:40])
        self.report(bulk[40:90])
        self.report(bulk[90:])
        got = self.hosting_of(bulk + silent)
        for i, u in enumerate(bulk):
            self.assertEqual(got[u]["hosting"]["source"], "done", u)
            self.assertEqual(got[u]["hosting"]["addresses"], ["198.51.100.%d" % (i + 1)])
            self.assertEqual(got[u]["country"], "NL")
        for u in silent:
            self.assertEqual(got[u]["hosting"]["source"], "failed", u)
        # every silent name was asked before any of them was asked again
        # (c-ares retries after its first try times out): they were in
        # flight together, not in turn
        log = [n for n, t in self.dns.questions() if n.startswith("silent") and t == A]
        first_repeat = next((k for k, n in enumerate(log) if n in log[:k]), len(log))
        self.assertEqual(len(set(log[:first_repeat])), SILENT, log)


class BadServersTest(unittest.TestCase):

    def test_a_server_list_that_does_not_parse_stops_serve(self):
        srv = Server()
        try:
            prof = write_profile(os.path.join(srv.tmp, "bad.conf"),
                                 "resolver_servers = not an address\n")
            r = subprocess.run([hotline_bin(), "serve", "--data", srv.data, "--profile", prof,
                                "--listen", "127.0.0.1:0", "--console-listen", "127.0.0.1:0"],
                               stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn(b"resolver_servers", r.stderr)
            self.assertNotIn(b"ready", r.stdout)
        finally:
            srv.cleanup()


if __name__ == "__main__":
    unittest.main()
