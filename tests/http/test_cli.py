#!/usr/bin/env python3
"""The command line: help, usage errors, `init`, and `serve` refusing a
secret.key others can read or a port it cannot listen on."""

import os
import shutil
import socket
import sqlite3
import stat
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, hotline_bin, run_cli  # noqa: E402


class Cli(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="hotline-cli-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def serve_exit(self, args, timeout=20):
        """Runs serve expecting it to exit by itself; returns CompletedProcess."""
        try:
            return run_cli(["serve"] + args, timeout=timeout)
        except subprocess.TimeoutExpired:
            self.fail("serve %r kept running instead of exiting" % (args,))

    # ---- help
    def test_help(self):
        r = run_cli(["--help"])
        self.assertEqual(r.returncode, 0, r.stderr)
        for sub in ("serve", "init", "report"):
            self.assertRegex(r.stdout, r"\b%s\b" % sub, "--help does not list " + sub)

    def test_subcommand_help(self):
        want = {"serve": ("--data", "--listen", "--console-listen", "--profile",
                          "--lookup-limit", "--threads"),
                "init": ("--data", "--profile"),
                "report": ("set",)}
        for sub, flags in want.items():
            r = run_cli([sub, "--help"])
            self.assertEqual(r.returncode, 0, "%s --help: %s" % (sub, r.stderr))
            out = r.stdout + r.stderr
            self.assertTrue(r.stdout.strip(), "%s --help printed nothing on stdout" % sub)
            for flag in flags:
                self.assertIn(flag, out, "%s --help does not mention %s" % (sub, flag))

    def test_report_set_help(self):
        r = run_cli(["report", "set", "--help"])
        self.assertEqual(r.returncode, 0, r.stderr)
        for flag in ("--state", "--message", "--data"):
            self.assertIn(flag, r.stdout + r.stderr)

    def test_help_does_not_touch_data(self):
        os.chdir(self.tmp)
        self.addCleanup(os.chdir, "/")
        for args in (["serve", "--help"], ["init", "--help"]):
            r = run_cli(args)
            self.assertEqual(r.returncode, 0)
        self.assertEqual(os.listdir(self.tmp), [], "--help created files")

    # ---- usage errors
    def test_unknown_subcommand(self):
        r = run_cli(["frobnicate"])
        self.assertEqual(r.returncode, 1)
        self.assertTrue(r.stderr.strip(), "no message on stderr")

    def test_bad_flags(self):
        data = os.path.join(self.tmp, "var")
        cases = [["init", "--bogus"],
                 ["init", "--data"],
                 ["init", "--data", data, "extra-argument"],
                 ["serve", "--bogus-flag"],
                 ["serve", "--data"],
                 ["serve", "--data", data, "--lookup-limit", "abc"],
                 ["serve", "--data", data, "--lookup-limit", "-3"],
                 ["serve", "--data", data, "--threads", "many"],
                 ["report", "--bogus"],
                 ["report", "frobnicate"]]
        for args in cases:
            try:
                r = run_cli(args, timeout=20)
            except subprocess.TimeoutExpired:
                self.fail("%r kept running" % (args,))
            self.assertEqual(r.returncode, 1, "%r: exit %d, stderr %r"
                             % (args, r.returncode, r.stderr))
            self.assertTrue(r.stderr.strip(), "%r: no message on stderr" % (args,))
            self.assertNotIn("ready", r.stdout)

    def test_bad_listen_address(self):
        data = os.path.join(self.tmp, "var")
        for addr in ("not-an-address", "127.0.0.1:99999", "127.0.0.1:http"):
            r = self.serve_exit(["--data", data, "--listen", addr,
                                 "--console-listen", "127.0.0.1:0"])
            # a usage error (1) or "cannot listen" (2), with a message
            self.assertIn(r.returncode, (1, 2), "%s: %s" % (addr, r.stderr))
            self.assertTrue(r.stderr.strip())
            self.assertNotIn("ready", r.stdout)

    def test_no_arguments(self):
        r = run_cli([])
        self.assertNotEqual(r.returncode, 0)

    # ---- init
    def test_init(self):
        data = os.path.join(self.tmp, "var")
        r = run_cli(["init", "--data", data])
        self.assertEqual(r.returncode, 0, r.stderr)
        for name in ("hotline.db", "secret.key", "profile.conf"):
            self.assertTrue(os.path.isfile(os.path.join(data, name)), name + " missing")
        key = os.path.join(data, "secret.key")
        self.assertEqual(stat.S_IMODE(os.stat(key).st_mode), 0o600)
        self.assertEqual(os.path.getsize(key), 32)
        self.assertGreater(os.path.getsize(os.path.join(data, "profile.conf")), 0)
        con = sqlite3.connect("file:%s?mode=ro" % os.path.join(data, "hotline.db"), uri=True)
        try:
            self.assertEqual(con.execute("PRAGMA journal_mode").fetchone()[0].lower(), "wal")
            self.assertEqual(con.execute("SELECT count(*) FROM reports").fetchone()[0], 0)
        finally:
            con.close()

    def test_init_keys_differ_and_init_twice_keeps_key(self):
        a, b = os.path.join(self.tmp, "a"), os.path.join(self.tmp, "b")
        for d in (a, b):
            self.assertEqual(run_cli(["init", "--data", d]).returncode, 0)
        with open(os.path.join(a, "secret.key"), "rb") as f:
            ka = f.read()
        with open(os.path.join(b, "secret.key"), "rb") as f:
            kb = f.read()
        self.assertNotEqual(ka, kb)
        run_cli(["init", "--data", a])      # may succeed or refuse, never replace
        with open(os.path.join(a, "secret.key"), "rb") as f:
            self.assertEqual(f.read(), ka, "a second init replaced secret.key")

    def test_init_default_data_folder(self):
        os.chdir(self.tmp)
        self.addCleanup(os.chdir, "/")
        r = run_cli(["init"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.isfile(os.path.join(self.tmp, "var", "secret.key")))

    def test_init_profile(self):
        data = os.path.join(self.tmp, "var")
        self.assertEqual(run_cli(["init", "--data", data]).returncode, 0)
        with open(os.path.join(data, "profile.conf"), "rb") as f:
            profile = f.read()
        mine = os.path.join(self.tmp, "mine.conf")
        with open(mine, "wb") as f:
            f.write(profile)
        data2 = os.path.join(self.tmp, "var2")
        r = run_cli(["init", "--data", data2, "--profile", mine])
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(data2, "profile.conf"), "rb") as f:
            self.assertEqual(f.read(), profile)
        r = run_cli(["init", "--data", os.path.join(self.tmp, "var3"),
                     "--profile", os.path.join(self.tmp, "missing.conf")])
        self.assertNotEqual(r.returncode, 0)

    # ---- serve refusing to start
    def test_serve_refuses_readable_key(self):
        for mode in (0o644, 0o640, 0o604):
            data = os.path.join(self.tmp, "var%o" % mode)
            self.assertEqual(run_cli(["init", "--data", data]).returncode, 0)
            os.chmod(os.path.join(data, "secret.key"), mode)
            r = self.serve_exit(["--data", data, "--listen", "127.0.0.1:0",
                                 "--console-listen", "127.0.0.1:0"])
            self.assertNotEqual(r.returncode, 0, "mode %o accepted" % mode)
            self.assertNotIn("ready", r.stdout)
            self.assertTrue(r.stderr.strip(), "no message on stderr")

    def test_serve_after_init_and_chmod_back(self):
        srv = Server()
        self.addCleanup(srv.cleanup)
        self.assertEqual(run_cli(["init", "--data", srv.data]).returncode, 0)
        os.chmod(os.path.join(srv.data, "secret.key"), 0o644)
        r = self.serve_exit(["--data", srv.data, "--listen", "127.0.0.1:0",
                             "--console-listen", "127.0.0.1:0"])
        self.assertNotEqual(r.returncode, 0)
        os.chmod(os.path.join(srv.data, "secret.key"), 0o600)
        srv.start()
        self.assertEqual(srv.get("/healthz")[0], 200)

    def test_serve_cannot_listen(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        self.addCleanup(s.close)
        port = s.getsockname()[1]
        data = os.path.join(self.tmp, "var")
        r = self.serve_exit(["--data", data, "--listen", "127.0.0.1:%d" % port,
                             "--console-listen", "127.0.0.1:0"])
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertTrue(r.stderr.strip())
        r = self.serve_exit(["--data", data, "--listen", "127.0.0.1:0",
                             "--console-listen", "127.0.0.1:%d" % port])
        self.assertEqual(r.returncode, 2, r.stderr)

    def test_serve_cannot_open_data(self):
        afile = os.path.join(self.tmp, "plain-file")
        with open(afile, "w") as f:
            f.write("not a folder\n")
        r = self.serve_exit(["--data", afile, "--listen", "127.0.0.1:0",
                             "--console-listen", "127.0.0.1:0"])
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertTrue(r.stderr.strip())
        r = run_cli(["init", "--data", os.path.join(afile, "sub")])
        self.assertEqual(r.returncode, 2, r.stderr)

    def test_serve_creates_data(self):
        srv = Server()
        self.addCleanup(srv.cleanup)
        self.assertFalse(os.path.exists(srv.data))
        srv.start()
        for name in ("hotline.db", "secret.key", "profile.conf"):
            self.assertTrue(os.path.isfile(os.path.join(srv.data, name)), name)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(srv.data, "secret.key")).st_mode),
                         0o600)
        self.assertRegex(srv.startup_lines[0], r"^public http://127\.0\.0\.1:\d+$")
        self.assertRegex(srv.startup_lines[1], r"^console http://127\.0\.0\.1:\d+$")
        self.assertEqual(srv.startup_lines[2], "ready")
        self.assertNotEqual(srv.public, srv.console)

    def test_binary_exists(self):
        self.assertTrue(os.access(hotline_bin(), os.X_OK), hotline_bin())


if __name__ == "__main__":
    unittest.main()
