#!/usr/bin/env python3
"""`hotline geo asn-mmdb OUT CSV...`: ip-location-db ASN CSV rows (IPv4 and
IPv6, ranges that are not CIDR-aligned, single addresses, the whole IPv4
and IPv6 spaces, quoted organisations with commas and quotes, UTF-8, CRLF)
turned into a MaxMind DB. Every range's first, last and middle address
gives its record and the addresses beside it give nothing, read with a
small reader here (the spec's tree, pointers, metadata) and, when mmdb-bin
is installed, with libmaxminddb's mmdblookup (the library the server's
hosting look-ups use); the file answers as the Python writer's does. Bad
rows are reported as FILE:LINE and skipped; usage errors exit 1, unreadable
input and unwritable output 2, leaving an existing OUT as it was.

The binary comes from $HOTLINE_BIN."""

import ipaddress
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from harness import run_cli  # noqa: E402
from mmdb_writer import write_mmdb  # noqa: E402

MMDBLOOKUP = shutil.which("mmdblookup")


class Reader:
    """A minimal MaxMind DB reader: metadata, 32-bit record tree, data
    types string, uint16/32/64, map, array and pointers."""

    def __init__(self, path):
        with open(path, "rb") as f:
            self.b = f.read()
        i = self.b.rfind(b"\xab\xcd\xefMaxMind.com")
        if i < 0:
            raise AssertionError("no metadata marker")
        self.meta, end = self.decode(i + 14, i + 14)
        if end != len(self.b):
            raise AssertionError("bytes after the metadata")
        self.n = self.meta["node_count"]
        if self.meta["record_size"] != 32:
            raise AssertionError("record size")
        self.dstart = self.n * 8 + 16
        if self.b[self.n * 8:self.dstart] != b"\0" * 16:
            raise AssertionError("no 16-byte separator after the tree")
        self.dend = i

    def decode(self, off, base):
        b = self.b
        c = b[off]
        off += 1
        t = c >> 5
        if t == 1:
            ss, v = (c >> 3) & 3, c & 7
            if ss == 0:
                p = (v << 8) | b[off]
                off += 1
            elif ss == 1:
                p = ((v << 16) | int.from_bytes(b[off:off + 2], "big")) + 2048
                off += 2
            elif ss == 2:
                p = ((v << 24) | int.from_bytes(b[off:off + 3], "big")) + 526336
                off += 3
            else:
                p = int.from_bytes(b[off:off + 4], "big")
                off += 4
            return self.decode(base + p, base)[0], off
        if t == 0:
            t = 7 + b[off]
            off += 1
        size = c & 31
        if size == 29:
            size = 29 + b[off]
            off += 1
        elif size == 30:
            size = 285 + int.from_bytes(b[off:off + 2], "big")
            off += 2
        elif size == 31:
            size = 65821 + int.from_bytes(b[off:off + 3], "big")
            off += 3
        if t == 2:
            return b[off:off + size].decode("utf-8"), off + size
        if t in (5, 6, 9):
            return int.from_bytes(b[off:off + size], "big"), off + size
        if t == 7:
            d = {}
            for _ in range(size):
                k, off = self.decode(off, base)
                d[k], off = self.decode(off, base)
            return d, off
        if t == 11:
            a = []
            for _ in range(size):
                v, off = self.decode(off, base)
                a.append(v)
            return a, off
        raise AssertionError("unexpected data type %d" % t)

    def lookup(self, addr):
        ip = ipaddress.ip_address(addr)
        v = int(ip)  # IPv4 under ::/96
        node = 0
        for i in range(128):
            if node >= self.n:
                break
            node = struct.unpack_from(">I", self.b, node * 8 + ((v >> (127 - i)) & 1) * 4)[0]
        if node == self.n:
            return None
        if node < self.n + 16:
            raise AssertionError("record %d points into the separator" % node)
        off = self.dstart + node - self.n - 16
        if off >= self.dend:
            raise AssertionError("record points past the data section")
        return self.decode(off, self.dstart)[0]


def mmdblookup(path, addr):
    """(asn, org) as libmaxminddb reads them, or None when not found."""
    r = subprocess.run([MMDBLOOKUP, "--file", path, "--ip", addr, "autonomous_system_number"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
    if "Could not find an entry" in r.stderr:
        return None
    if r.returncode != 0:
        raise AssertionError("mmdblookup %s: %s" % (addr, r.stderr))
    asn = int(r.stdout.split()[0])
    r = subprocess.run([MMDBLOOKUP, "--file", path, "--ip", addr,
                        "autonomous_system_organization"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    out = r.stdout.decode("utf-8").strip()
    if r.returncode != 0 or not out.endswith('" <utf8_string>') or not out.startswith('"'):
        raise AssertionError("mmdblookup %s: %r" % (addr, out))
    return asn, out[1:-len('" <utf8_string>')]


def rec(asn, org):
    return {"autonomous_system_number": asn, "autonomous_system_organization": org}


LONG_ORG = "Long Organisation " + "x" * 300

# (start, end, asn, org as stored), written to the CSV below
GOOD = [
    ("192.0.2.0", "192.0.2.255", 64500, "Example Hosting BE"),
    ("198.51.100.3", "198.51.100.77", 64501, 'Example, "Quoted" Inc.'),
    ("203.0.113.9", "203.0.113.9", 64502, "Single Address"),
    ("203.0.113.200", "203.0.113.201", 64500, "Example Hosting BE"),
    ("100.64.1.1", "100.64.7.254", 0, ""),
    ("10.200.0.0", "10.200.255.255", 4294967295, "Société Exemple"),
    ("2001:db8::5", "2001:db8::1:3", 64510, "Example v6, unaligned"),
    ("2001:db8:ff::1", "2001:db8:ff::1", 64511, "Single v6"),
    ("2001:db8:1000::", "2001:db8:1fff:ffff:ffff:ffff:ffff:ffff", 64512, "Wide v6"),
    ("2001:db8:2000::ffff", "2001:db8:2000::1:0", 64513, LONG_ORG[:200]),
]

CSV_A = (
    "192.0.2.0,192.0.2.255,64500,Example Hosting BE\n"
    '198.51.100.3,198.51.100.77,64501,"Example, ""Quoted"" Inc."\n'
    "203.0.113.9,203.0.113.9,64502,Single Address\r\n"
    "bad,row\n"                                               # 4
    "\n"                                                      # 5: blank, ignored
    "10.0.0.9,10.0.0.8,1,start after end\n"                   # 6
    "10.0.0.1,::1,1,mixed families\n"                         # 7
    "10.0.0.1,10.0.0.2,AS1,not a number\n"                    # 8
    "10.0.0.1,10.0.0.2,4294967296,too big\n"                  # 9
    '10.0.0.1,10.0.0.2,1,"unterminated\n'                     # 10
    "10.0.0.1,10.0.0.2,1,Comma, Unquoted\n"                   # 11
    "999.0.0.1,999.0.0.2,1,not an address\n"                  # 12
    '10.0.0.1,10.0.0.2,1,"closed" then text\n'                # 13
    "203.0.113.200,203.0.113.201,64500,Example Hosting BE\n"  # 14: same record as line 1
    "100.64.1.1,100.64.7.254,0,\n"                            # 15
    "10.200.0.0,10.200.255.255,4294967295,Société Exemple\n"  # 16
    "10.0.0.1,10.0.0.2,-1,negative\n"                         # 17
    "10.0.0.1 ,10.0.0.2,1,space in the address\n"             # 18
    "10.0.0.1,10.0.0.2,1,tab\there\n"                         # 19
)
CSV_A_BAD = [4, 6, 7, 8, 9, 10, 11, 12, 13, 17, 18, 19]

CSV_B = (
    "2001:db8::5,2001:db8::1:3,64510,\"Example v6, unaligned\"\n"
    "2001:db8:ff::1,2001:db8:ff::1,64511,Single v6\n"
    "2001:db8:1000::,2001:db8:1fff:ffff:ffff:ffff:ffff:ffff,64512,Wide v6\n"
    "2001:db8:2000::ffff,2001:db8:2000::1:0,64513,%s\n"
    "2001:db8::zz,2001:db8::1,1,bad v6\n"                     # 5
) % LONG_ORG
CSV_B_BAD = [5]
# written as bytes: invalid UTF-8, a NUL byte, a control character, a line
# over the 4096-byte limit, then one good row after them
CSV_C = (b"10.0.0.1,10.0.0.2,1,caf\xe9\n"                     # 1
         b"10.0.0.1,10.0.0.2,1,a\x00b\n"                      # 2
         b"10.0.0.1,10.0.0.2,1,bell\x07\n"                    # 3
         b"10.0.0.1,10.0.0.2,1," + b"y" * 5000 + b"\n"        # 4
         b"10.0.0.1,10.0.0.2,1,\xed\xa0\x80 surrogate\n"      # 5
         b"172.16.5.0,172.16.5.127,64520,After Bad Lines")    # 6: no final newline
CSV_C_BAD = [1, 2, 3, 4, 5]
GOOD_C = [("172.16.5.0", "172.16.5.127", 64520, "After Bad Lines")]


def probes(start, end):
    a, b = int(ipaddress.ip_address(start)), int(ipaddress.ip_address(end))
    cls = type(ipaddress.ip_address(start))
    return [str(cls(x)) for x in sorted({a, b, (a + b) // 2, a + 1 if a < b else a})]


def outside(start, end):
    a, b = int(ipaddress.ip_address(start)), int(ipaddress.ip_address(end))
    cls = type(ipaddress.ip_address(start))
    return [str(cls(a - 1)), str(cls(b + 1))]


class GeoCli(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="hotline-geo-")
        cls.a = cls.write("a.csv", CSV_A.encode())
        cls.b = cls.write("b.csv", CSV_B.encode())
        cls.c = cls.write("c.csv", CSV_C)
        cls.out = os.path.join(cls.tmp, "asn.mmdb")
        cls.res = run_cli(["geo", "asn-mmdb", cls.out, cls.a, cls.b, cls.c], timeout=120)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def write(cls, name, data):
        path = os.path.join(cls.tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def convert(self, out, *csvs):
        return run_cli(["geo", "asn-mmdb", out] + list(csvs), timeout=120)

    def test_01_converts_and_reports_bad_rows(self):
        r = self.res
        self.assertEqual(r.returncode, 0, r.stderr)
        for path, lines in ((self.a, CSV_A_BAD), (self.b, CSV_B_BAD), (self.c, CSV_C_BAD)):
            for n in lines:
                self.assertIn("%s:%d: " % (path, n), r.stderr)
        reported = [ln for ln in r.stderr.splitlines() if "row skipped" in ln]
        self.assertEqual(len(reported), len(CSV_A_BAD) + len(CSV_B_BAD) + len(CSV_C_BAD),
                         r.stderr)
        self.assertNotIn("%s:5:" % self.a, r.stderr)  # the blank line
        self.assertIn("%s:6: the start comes after the end" % self.a, r.stderr)
        self.assertIn("%s:11: more than 4 fields" % self.a, r.stderr)
        self.assertIn("%s:1: the organisation is not valid UTF-8" % self.c, r.stderr)
        self.assertIn("%s:4: line longer than 4096 bytes" % self.c, r.stderr)
        # distinct records: lines 1 and 14 of a.csv share theirs
        self.assertIn("%d ranges" % (len(GOOD) + len(GOOD_C)), r.stdout)
        self.assertIn("%d distinct records" % (len(GOOD) + len(GOOD_C) - 1), r.stdout)
        self.assertIn("%d bad rows skipped" % (len(CSV_A_BAD) + len(CSV_B_BAD) +
                                                len(CSV_C_BAD)), r.stdout)
        self.assertFalse(os.path.exists(self.out + ".tmp"))

    def test_02_metadata(self):
        m = Reader(self.out).meta
        self.assertEqual(m["binary_format_major_version"], 2)
        self.assertEqual(m["binary_format_minor_version"], 0)
        self.assertEqual(m["ip_version"], 6)
        self.assertEqual(m["record_size"], 32)
        self.assertEqual(m["database_type"], "ip-location-db-ASN")
        self.assertEqual(m["languages"], [])
        self.assertIn("en", m["description"])
        self.assertGreater(m["build_epoch"], 1600000000)
        self.assertEqual(len(Reader(self.out).b),
                         os.path.getsize(self.out))

    def test_03_every_range_and_nothing_beside(self):
        db = Reader(self.out)
        for start, end, asn, org in GOOD + GOOD_C:
            for ip in probes(start, end):
                self.assertEqual(db.lookup(ip), rec(asn, org), (start, end, ip))
            for ip in outside(start, end):
                self.assertIsNone(db.lookup(ip), (start, end, ip))
        # the organisation cut to 200 characters; the bad rows' addresses empty
        self.assertEqual(len(db.lookup("2001:db8:2000::1:0")["autonomous_system_organization"]),
                         200)
        for ip in ("10.0.0.1", "10.0.0.2", "0.0.0.0", "255.255.255.255", "::", "::1",
                   "2001:db8:ff::", "2001:db8:ff::2", "ffff::1"):
            self.assertIsNone(db.lookup(ip), ip)
        # IPv4 lives under ::/96 only (as in the Python writer)
        self.assertEqual(db.lookup("::192.0.2.7"), rec(64500, "Example Hosting BE"))
        self.assertIsNone(db.lookup("::ffff:192.0.2.7"))

    @unittest.skipUnless(MMDBLOOKUP, "mmdblookup (Debian mmdb-bin) is not installed")
    def test_04_libmaxminddb_reads_it(self):
        for start, end, asn, org in GOOD + GOOD_C:
            for ip in probes(start, end):
                self.assertEqual(mmdblookup(self.out, ip), (asn, org), ip)
            for ip in outside(start, end):
                self.assertIsNone(mmdblookup(self.out, ip), ip)

    def test_05_same_answers_as_the_python_writer(self):
        nets = []
        for start, end, asn, org in GOOD + GOOD_C:
            for n in ipaddress.summarize_address_range(ipaddress.ip_address(start),
                                                       ipaddress.ip_address(end)):
                nets.append((str(n), rec(asn, org)))
        py = os.path.join(self.tmp, "py.mmdb")
        write_mmdb(py, "ip-location-db-ASN", nets)
        ours, theirs = Reader(self.out), Reader(py)
        ips = []
        for start, end, _, _ in GOOD + GOOD_C:
            ips += probes(start, end) + outside(start, end)
        for ip in ips:
            self.assertEqual(ours.lookup(ip), theirs.lookup(ip), ip)
            if MMDBLOOKUP:
                self.assertEqual(mmdblookup(self.out, ip), mmdblookup(py, ip), ip)

    def test_06_whole_spaces_and_the_widest_split(self):
        out = os.path.join(self.tmp, "whole.mmdb")
        v4 = self.write("whole4.csv", b"0.0.0.0,255.255.255.255,64530,All IPv4\n")
        r = self.convert(out, v4)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("1 networks", r.stdout)
        db = Reader(out)
        for ip in ("0.0.0.0", "127.0.0.1", "255.255.255.255", "::", "::ffff:ffff"):
            self.assertEqual(db.lookup(ip), rec(64530, "All IPv4"), ip)
        for ip in ("::1:0:0", "2001:db8::1", "ffff::"):
            self.assertIsNone(db.lookup(ip), ip)
        v6 = self.write("whole6.csv", b"::,ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff,64531,All\n")
        r = self.convert(out, v6)
        self.assertEqual(r.returncode, 0, r.stderr)
        db = Reader(out)
        for ip in ("::", "1.2.3.4", "2001:db8::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"):
            self.assertEqual(db.lookup(ip), rec(64531, "All"), ip)
            if MMDBLOOKUP:
                self.assertEqual(mmdblookup(out, ip), (64531, "All"), ip)
        # ::1 .. ffff...fffe: the most networks one range can need (2 x 127)
        worst = self.write("worst.csv",
                           b"::1,ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe,64532,Worst\n")
        r = self.convert(out, worst)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("254 networks", r.stdout)
        db = Reader(out)
        for ip in ("::1", "::2", "1.2.3.4", "8000::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"):
            self.assertEqual(db.lookup(ip), rec(64532, "Worst"), ip)
        for ip in ("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"):
            self.assertIsNone(db.lookup(ip), ip)
        if MMDBLOOKUP:
            self.assertEqual(mmdblookup(out, "::1"), (64532, "Worst"))
            self.assertIsNone(mmdblookup(out, "::"))

    def test_07_more_specific_wins_whatever_the_order(self):
        out = os.path.join(self.tmp, "overlap.mmdb")
        csv = self.write("overlap.csv", (
            "198.18.5.0,198.18.5.255,64541,Specific\n"
            "198.18.0.0,198.18.255.255,64540,Wide\n"
            "2001:db8:5::,2001:db8:5::ffff,64543,Specific v6\n"
            "2001:db8::,2001:db8:ffff:ffff:ffff:ffff:ffff:ffff,64542,Wide v6\n"
            "198.19.0.0,198.19.0.255,64544,First\n"
            "198.19.0.0,198.19.0.255,64545,Second\n").encode())
        r = self.convert(out, csv)
        self.assertEqual(r.returncode, 0, r.stderr)
        db = Reader(out)
        self.assertEqual(db.lookup("198.18.5.9"), rec(64541, "Specific"))
        self.assertEqual(db.lookup("198.18.4.255"), rec(64540, "Wide"))
        self.assertEqual(db.lookup("198.18.6.0"), rec(64540, "Wide"))
        self.assertEqual(db.lookup("2001:db8:5::1"), rec(64543, "Specific v6"))
        self.assertEqual(db.lookup("2001:db8:5::1:0"), rec(64542, "Wide v6"))
        # the same network twice: the later row wins
        self.assertEqual(db.lookup("198.19.0.7"), rec(64545, "Second"))

    def test_08_many_bad_rows_are_counted(self):
        out = os.path.join(self.tmp, "many.mmdb")
        csv = self.write("many.csv", b"x\n" * 150 + b"192.0.2.0,192.0.2.3,64550,Last\n")
        r = self.convert(out, csv)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr.count("row skipped"), 100, r.stderr)
        self.assertIn("further bad rows are only counted", r.stderr)
        self.assertIn("150 bad rows skipped", r.stdout)
        self.assertEqual(Reader(out).lookup("192.0.2.3"), rec(64550, "Last"))

    def test_09_failures_leave_the_old_file(self):
        out = os.path.join(self.tmp, "keep.mmdb")
        with open(out, "wb") as f:
            f.write(b"old")
        good = self.write("one.csv", b"192.0.2.0,192.0.2.255,64560,One\n")
        missing = os.path.join(self.tmp, "missing.csv")
        r = self.convert(out, good, missing)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("missing.csv", r.stderr)
        only_bad = self.write("bad.csv", b"a,b,c,d\n\n")
        empty = self.write("empty.csv", b"")
        for csvs in ([only_bad], [empty], [self.tmp]):
            r = self.convert(out, *csvs)
            self.assertEqual(r.returncode, 2, (csvs, r.stderr))
        for name in ("keep.mmdb.tmp",):
            self.assertFalse(os.path.exists(os.path.join(self.tmp, name)))
        with open(out, "rb") as f:
            self.assertEqual(f.read(), b"old")
        r = self.convert(os.path.join(self.tmp, "no", "such", "dir.mmdb"), good)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("cannot write", r.stderr)
        # success replaces it
        r = self.convert(out, good)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(Reader(out).lookup("192.0.2.1"), rec(64560, "One"))
        self.assertFalse(os.path.exists(out + ".tmp"))

    def test_10_the_network_limit(self):
        # each row is 254 networks: 17,000 of them pass the 4,194,304 limit
        out = os.path.join(self.tmp, "huge.mmdb")
        csv = self.write("huge.csv",
                         b"::1,ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe,64570,Huge\n" * 17000)
        r = self.convert(out, csv)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("a limit was reached", r.stderr)
        self.assertIn("huge.csv:16514:", r.stderr)
        self.assertFalse(os.path.exists(out))
        self.assertFalse(os.path.exists(out + ".tmp"))

    def test_11_usage_and_help(self):
        for args in (["geo"], ["geo", "nope"], ["geo", "asn-mmdb"],
                     ["geo", "asn-mmdb", os.path.join(self.tmp, "x.mmdb")],
                     ["geo", "asn-mmdb", "--bogus", "x.mmdb", "y.csv"]):
            r = run_cli(args)
            self.assertEqual(r.returncode, 1, (args, r.stderr))
            self.assertIn("hotline geo", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "x.mmdb")))
        r = run_cli(["geo", "--help"])
        self.assertEqual(r.returncode, 0)
        self.assertIn("asn-mmdb", r.stdout)
        r = run_cli(["geo", "asn-mmdb", "--help"])
        self.assertEqual(r.returncode, 0)
        self.assertIn("Usage: hotline geo asn-mmdb OUT.mmdb CSV...", r.stdout)
        self.assertIn("Exit status", r.stdout)
        r = run_cli(["--help"])
        self.assertIn("geo", r.stdout)


if __name__ == "__main__":
    unittest.main()
