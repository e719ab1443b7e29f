#!/usr/bin/env python3
"""Nothing acknowledged is lost: reports are filed from 8 threads as fast as
possible, the server is killed with SIGKILL mid-flight and restarted on the
same data folder; every report that got a 201 must still be there."""

import concurrent.futures
import http.client
import json
import os
import socket
import sys
import threading
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, parse_json, number_ok  # noqa: E402

THREADS = 8
RUN_SECONDS = 3.0
ROUNDS = 2


def flood(base, stop, acked, lock, tag):
    u = urllib.parse.urlsplit(base)
    conn = None
    i = 0
    while not stop.is_set():
        i += 1
        body = json.dumps({"kind": "abuse_material",
                           "urls": ["https://example.org/%s/%d" % (tag, i)],
                           "description": "I saw a suspicious page (%s %d)" % (tag, i)})
        try:
            if conn is None:
                conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
            conn.request("POST", "/api/v1/reports", body,
                         {"Content-Type": "application/json"})
            resp = conn.getresponse()
            data = resp.read()
            if resp.status == 201:
                j = json.loads(data)
                with lock:
                    acked.append((j["number"], j["secret"], tag, i))
            if resp.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
        except Exception:
            # the server died under us: not acknowledged, stop this thread
            break
    if conn is not None:
        conn.close()


class Durability(unittest.TestCase):

    def setUp(self):
        self.srv = Server(["--lookup-limit", "1000000"])
        self.srv.start()
        self.addCleanup(self.srv.cleanup)

    def test_kill9_loses_nothing_acknowledged(self):
        all_acked = []
        for rnd in range(ROUNDS):
            stop = threading.Event()
            lock = threading.Lock()
            acked = []
            threads = [threading.Thread(target=flood, daemon=True,
                                        args=(self.srv.public, stop, acked, lock,
                                              "r%dt%d" % (rnd, t)))
                       for t in range(THREADS)]
            for t in threads:
                t.start()
            time.sleep(RUN_SECONDS)
            self.srv.kill9()        # mid-flight: the threads are still sending
            stop.set()
            for t in threads:
                t.join(30)
            self.assertFalse(any(t.is_alive() for t in threads))
            with lock:
                got = list(acked)
            self.assertGreater(len(got), 0, "round %d: no report acknowledged" % rnd)
            all_acked += got
            self.srv.start()
            self.check_all(all_acked)

    def test_sigterm_under_load_stops_cleanly(self):
        """SIGTERM while requests wait for their commit: exit 0, every
        acknowledged report there after restart, later requests refused
        with 503 rather than left hanging."""
        stop = threading.Event()
        lock = threading.Lock()
        acked = []
        threads = [threading.Thread(target=flood, daemon=True,
                                    args=(self.srv.public, stop, acked, lock, "term%d" % t))
                   for t in range(THREADS)]
        for t in threads:
            t.start()
        time.sleep(1.5)
        rc = self.srv.stop(timeout=30)
        stop.set()
        for t in threads:
            t.join(30)
        self.assertEqual(rc, 0, self.srv.stderr_text()[-2000:])
        with lock:
            got = list(acked)
        self.assertGreater(len(got), 0)
        self.srv.start()
        self.check_all(got)

    def test_clients_gone_while_committing_do_not_hold_up_stop(self):
        """Clients that send a report and close their connection at once,
        while the report is being committed: the server still stops at
        once on SIGTERM (it once waited a minute for them)."""
        u = urllib.parse.urlsplit(self.srv.public)
        body = json.dumps({"kind": "abuse_material", "urls": ["https://gone.example.org/x"]})
        raw = ("POST /api/v1/reports HTTP/1.1\r\nHost: %s\r\n"
               "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
               % (u.netloc, len(body), body)).encode()
        for _ in range(5):
            socks = []
            for _ in range(100):
                s = socket.create_connection((u.hostname, u.port), timeout=10)
                s.sendall(raw)
                socks.append(s)
            for s in socks:
                s.close()
        # the server still answers, then stops cleanly and quickly
        s, _, j = self.srv.api_report({"kind": "abuse_material",
                                       "urls": ["https://gone.example.org/y"]})
        self.assertEqual(s, 201, j)
        self.assertEqual(self.srv.stop(timeout=20), 0, self.srv.stderr_text()[-2000:])

    def check_all(self, acked):
        numbers = [a[0] for a in acked]
        self.assertEqual(len(set(numbers)), len(numbers), "a number was issued twice")
        for a in acked:
            self.assertTrue(number_ok(a[0]), a[0])
        local = threading.local()
        conns = []
        u = urllib.parse.urlsplit(self.srv.public)

        def look(a):
            number, secret, tag, i = a
            for attempt in range(3):
                try:
                    if getattr(local, "conn", None) is None:
                        local.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
                        conns.append(local.conn)
                    local.conn.request("GET", "/api/v1/reports/%s/status" % number,
                                       headers={"Authorization": "Bearer " + secret})
                    resp = local.conn.getresponse()
                    data = resp.read()
                    if resp.getheader("Connection", "").lower() == "close":
                        local.conn.close()
                        local.conn = None
                    ok = resp.status == 200 and (parse_json(data) or {}).get("state") == "received"
                    return None if ok else (number, tag, i, resp.status)
                except (OSError, http.client.HTTPException) as e:
                    err = repr(e)
                    if getattr(local, "conn", None) is not None:
                        local.conn.close()
                    local.conn = None
            return (number, tag, i, "connection failed: " + err)

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            missing = [m for m in pool.map(look, acked) if m]
        for c in conns:
            c.close()
        if os.environ.get("HOTLINE_TEST_VERBOSE"):
            print("acknowledged so far: %d" % len(acked), file=sys.stderr)
        self.assertEqual(missing, [], "%d of %d acknowledged reports lost"
                         % (len(missing), len(acked)))
        self.assertGreaterEqual(self.srv.count_reports(), len(acked))

    def test_journal_mode_wal(self):
        self.srv.post_json("/api/v1/reports", {"kind": "abuse_material",
                                               "urls": ["https://example.org/wal"]})
        con = self.srv.db()
        try:
            mode = con.execute("PRAGMA journal_mode").fetchone()[0]
        finally:
            con.close()
        self.assertEqual(mode.lower(), "wal")
        self.srv.stop()
        con = self.srv.db()
        try:
            mode = con.execute("PRAGMA journal_mode").fetchone()[0]
        finally:
            con.close()
        self.assertEqual(mode.lower(), "wal", "not WAL once the server stopped")
        with open(self.srv.db_path, "rb") as f:
            header = f.read(100)
        # file format bytes 18 and 19 are 2 for a WAL database
        self.assertEqual((header[18], header[19]), (2, 2))


if __name__ == "__main__":
    unittest.main()
