#!/usr/bin/env python3
"""Test harness for the Hotline HTTP tests: starts the real server.

The binary comes from $HOTLINE_BIN (default: build/hotline at the repository
root). Each Server gets its own temporary folder; the data folder is
TMP/var and the server's standard output and error are captured in TMP/logs
so tests can inspect them. Standard library only.

    srv = Server(extra_args=["--lookup-limit", "5"])
    srv.start()                 # waits for "public", "console", "ready"
    status, headers, body = srv.request("GET", "/healthz")
    srv.kill9(); srv.start()    # crash and restart on the same data folder
    srv.stop(); srv.cleanup()

Request helpers never raise on 4xx/5xx: they return (status, headers, body)
with headers an http.client.HTTPMessage (case-insensitive get/get_all) and
body bytes.
"""

import html.parser
import http.client
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
START_TIMEOUT = 20.0


def hotline_bin():
    """Path of the hotline binary under test."""
    return os.environ.get("HOTLINE_BIN") or os.path.join(REPO, "build", "hotline")


def write_profile(path, extra=""):
    """Writes the shipped example profile to PATH, with EXTRA lines after
    it (later keys win); returns PATH."""
    with open(os.path.join(REPO, "data", "profiles", "example-be.conf")) as f:
        text = f.read()
    with open(path, "w") as out:
        out.write(text + "\n" + extra)
    return path


def _retry_exec(fn):
    """Calls FN, retrying for a few seconds while the binary cannot be
    executed (it may be in the middle of being rebuilt)."""
    for attempt in range(20):
        try:
            return fn()
        except (PermissionError, FileNotFoundError, OSError) as e:
            if attempt == 19 or isinstance(e, subprocess.SubprocessError):
                raise
            time.sleep(0.5)


def run_cli(args, timeout=30, env=None):
    """Runs `hotline ARGS...` to completion; returns CompletedProcess (text)."""
    return _retry_exec(lambda: subprocess.run(
        [hotline_bin()] + list(args), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        timeout=timeout, text=True, errors="replace", env=env))


# --------------------------------------------------------------------------
# Report numbers and secrets

_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)


def damm_interim(digits):
    i = 0
    for ch in digits:
        i = _DAMM[i][int(ch)]
    return i


def damm_valid(digits):
    """True when the digit string (check digit last) passes Damm."""
    return damm_interim(digits) == 0


def make_number(first8):
    """NNN-NNN-NNN from 8 digits plus their Damm check digit."""
    d = first8 + str(damm_interim(first8))
    return "%s-%s-%s" % (d[0:3], d[3:6], d[6:9])


NUMBER_RE = re.compile(r"^\d{3}-\d{3}-\d{3}$")
SECRET_RE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){6}$")


def number_ok(number):
    return bool(NUMBER_RE.match(number or "")) and damm_valid(number.replace("-", ""))


# --------------------------------------------------------------------------
# Minimal HTML tree (enough for ids, classes, attributes, text, order)

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
        "meta", "param", "source", "track", "wbr"}


class Node:
    def __init__(self, tag, attrs, index, parent):
        self.tag = tag
        self.attrs = {k: (v if v is not None else "") for k, v in attrs}
        self.index = index          # document order of the start tag
        self.parent = parent
        self.children = []
        self._text = []

    @property
    def text(self):
        return "".join(self._text)

    def get(self, name, default=None):
        return self.attrs.get(name, default)

    @property
    def classes(self):
        return self.attrs.get("class", "").split()

    def __repr__(self):
        return "<%s %r>" % (self.tag, self.attrs)


class Doc(html.parser.HTMLParser):
    """Parses a page into Nodes; doc.nodes in document order."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", [], -1, None)
        self.nodes = []
        self._stack = [self.root]
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, len(self.nodes), self._stack[-1])
        self._stack[-1].children.append(node)
        self.nodes.append(node)
        if tag not in VOID:
            self._stack.append(node)

    def handle_startendtag(self, tag, attrs):
        node = Node(tag, attrs, len(self.nodes), self._stack[-1])
        self._stack[-1].children.append(node)
        self.nodes.append(node)

    def handle_endtag(self, tag):
        for i in range(len(self._stack) - 1, 0, -1):
            if self._stack[i].tag == tag:
                del self._stack[i:]
                return

    def handle_data(self, data):
        for n in self._stack:
            n._text.append(data)

    # queries
    def by_id(self, ident):
        for n in self.nodes:
            if n.attrs.get("id") == ident:
                return n
        return None

    def find_all(self, tag=None, cls=None, **attrs):
        out = []
        for n in self.nodes:
            if tag is not None and n.tag != tag:
                continue
            if cls is not None and cls not in n.classes:
                continue
            if any(n.attrs.get(k) != v for k, v in attrs.items()):
                continue
            out.append(n)
        return out

    def find(self, tag=None, cls=None, **attrs):
        r = self.find_all(tag, cls, **attrs)
        return r[0] if r else None

    def descendants(self, node):
        out = []
        todo = list(node.children)
        while todo:
            n = todo.pop(0)
            out.append(n)
            todo[0:0] = n.children
        return out

    def field_value(self, name, within=None):
        """Value shown for form field NAME (input value, textarea text,
        selected option, checked radio); None when there is no such field."""
        nodes = self.descendants(within) if within else self.nodes
        found = False
        for n in nodes:
            if n.attrs.get("name") != name:
                continue
            found = True
            if n.tag == "textarea":
                t = n.text
                return t[1:] if t.startswith("\n") else t
            if n.tag == "select":
                for o in self.descendants(n):
                    if o.tag == "option" and "selected" in o.attrs:
                        return o.attrs.get("value", o.text)
                continue
            if n.tag == "input":
                typ = n.attrs.get("type", "text").lower()
                if typ in ("radio", "checkbox"):
                    if "checked" in n.attrs:
                        return n.attrs.get("value", "on")
                    continue
                return n.attrs.get("value", "")
        return "" if found else None

    def html_lang(self):
        h = self.find("html")
        return h.attrs.get("lang") if h else None


# --------------------------------------------------------------------------
# HTTP helpers


def http_request(base, method, path, headers=None, body=None, timeout=30):
    """One request on a fresh connection to BASE (http://host:port).
    Returns (status, headers, body bytes); never raises on HTTP errors."""
    u = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        if isinstance(body, str):
            body = body.encode("utf-8")
        try:
            conn.request(method, path, body=body, headers=headers or {})
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer (413) before reading everything
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, resp.msg, data
    finally:
        conn.close()


def parse_json(body):
    try:
        return json.loads(body.decode("utf-8"))
    except Exception:
        return None


class Server:
    """The real hotline server on free loopback ports in a temp folder."""

    def __init__(self, extra_args=None, tmpdir=None):
        self.extra_args = list(extra_args or [])
        self.tmp = tmpdir or tempfile.mkdtemp(prefix="hotline-http-")
        self.data = os.path.join(self.tmp, "var")
        self.logs = os.path.join(self.tmp, "logs")
        os.makedirs(self.logs, exist_ok=True)
        self.proc = None
        self.public = None
        self.console = None
        self.runs = 0
        self.stdout_lines = []

    # lifecycle
    def _init_without_dns(self):
        """A new data folder whose profile (the shipped example) resolves
        host names from an empty hosts file only: no test server looks
        the reported example.org names up in the DNS (issue 6: no traffic
        leaves the machine)."""
        hosts = os.path.join(self.tmp, "hosts.empty")
        open(hosts, "w").close()
        prof = write_profile(os.path.join(self.tmp, "profile.default.conf"),
                             "# tests: names resolve from this file only\n"
                             "resolver_hosts = %s\n" % hosts)
        r = _retry_exec(lambda: subprocess.run(
            [hotline_bin(), "init", "--data", self.data, "--profile", prof],
            stdin=subprocess.DEVNULL, capture_output=True))
        if r.returncode != 0:
            raise RuntimeError("hotline init failed: %r" % r.stderr[-2000:])

    def start(self, extra_args=None, timeout=START_TIMEOUT):
        if self.proc is not None and self.proc.poll() is None:
            # a second server on the same folder would be left running
            raise RuntimeError("a server is already running here; stop it first")
        args = [hotline_bin(), "serve", "--data", self.data,
                "--listen", "127.0.0.1:0", "--console-listen", "127.0.0.1:0"]
        args += self.extra_args if extra_args is None else list(extra_args)
        if "--profile" not in args and not os.path.exists(self.data):
            self._init_without_dns()
        self.runs += 1
        self.stdout_path = os.path.join(self.logs, "stdout.%d.log" % self.runs)
        self.stderr_path = os.path.join(self.logs, "stderr.%d.log" % self.runs)
        self._stderr_f = open(self.stderr_path, "wb")
        self.proc = _retry_exec(lambda: subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=self._stderr_f))
        self.public = self.console = None
        ready = threading.Event()
        state = {"public": None, "console": None, "ready": False, "order": []}
        proc = self.proc
        out_path = self.stdout_path

        def reader():
            with open(out_path, "wb") as f:
                for raw in iter(proc.stdout.readline, b""):
                    f.write(raw)
                    f.flush()
                    line = raw.decode("utf-8", "replace").strip()
                    self.stdout_lines.append(line)
                    if not state["ready"]:
                        state["order"].append(line)
                        if line.startswith("public "):
                            state["public"] = line.split(None, 1)[1].strip()
                        elif line.startswith("console "):
                            state["console"] = line.split(None, 1)[1].strip()
                        elif line == "ready":
                            state["ready"] = True
                            ready.set()
            ready.set()

        self._reader = threading.Thread(target=reader, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + timeout
        while not ready.wait(0.1):
            if time.monotonic() > deadline:
                break
        if not state["ready"] or not state["public"] or not state["console"]:
            self._force_kill()
            raise RuntimeError(
                "hotline serve did not become ready (exit %r)\nstdout: %r\nstderr: %s"
                % (self.proc.returncode, state["order"], self.stderr_text()[-4000:]))
        self.public = state["public"].rstrip("/")
        self.console = state["console"].rstrip("/")
        self.startup_lines = list(state["order"])
        return self

    def _force_kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
        if self.proc:
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                pass

    def _finish(self):
        if getattr(self, "_reader", None):
            self._reader.join(5)
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()
        if getattr(self, "_stderr_f", None):
            self._stderr_f.close()
            self._stderr_f = None

    def stop(self, timeout=10):
        """SIGTERM, then SIGKILL after TIMEOUT seconds. Returns exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._finish()
        rc = self.proc.returncode
        self.proc = None
        return rc

    def start_if_stopped(self):
        """Starts the server unless it runs (a test's clean-up after it
        stopped the server, whether or not it got to start it again)."""
        if self.proc is None or self.proc.poll() is not None:
            self.start()

    def kill9(self):
        """Kills the server with SIGKILL (a crash) and waits for it."""
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        self._finish()
        self.proc = None

    def restart(self):
        self.kill9()
        return self.start()

    def cleanup(self):
        self.stop()
        if not os.environ.get("HOTLINE_KEEP_TMP"):
            shutil.rmtree(self.tmp, ignore_errors=True)

    # captured output
    def stderr_text(self):
        out = []
        for name in sorted(os.listdir(self.logs)):
            if name.startswith("stderr"):
                with open(os.path.join(self.logs, name), "rb") as f:
                    out.append(f.read().decode("utf-8", "replace"))
        return "".join(out)

    # requests
    def request(self, method, path, headers=None, body=None, listener="public"):
        base = self.public if listener == "public" else self.console
        return http_request(base, method, path, headers, body)

    def get(self, path, headers=None, listener="public"):
        return self.request("GET", path, headers, None, listener)

    def post_json(self, path, obj, headers=None, raw=None):
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        body = raw if raw is not None else json.dumps(obj).encode("utf-8")
        return self.request("POST", path, h, body)

    def post_form(self, path, fields, headers=None):
        h = {"Content-Type": "application/x-www-form-urlencoded"}
        h.update(headers or {})
        body = urllib.parse.urlencode(fields).encode("ascii")
        return self.request("POST", path, h, body)

    def api_report(self, obj, headers=None):
        """POST /api/v1/reports; returns (status, headers, parsed json)."""
        s, h, b = self.post_json("/api/v1/reports", obj, headers)
        return s, h, parse_json(b)

    def api_status(self, number, secret, headers=None):
        h = {"Authorization": "Bearer " + secret}
        h.update(headers or {})
        s, hd, b = self.get("/api/v1/reports/%s/status" % number, h)
        return s, hd, b

    # database
    @property
    def db_path(self):
        return os.path.join(self.data, "hotline.db")

    def db(self):
        """A read-only connection to hotline.db."""
        uri = "file:%s?mode=ro" % urllib.parse.quote(self.db_path)
        return sqlite3.connect(uri, uri=True, timeout=10)

    def count_reports(self):
        con = self.db()
        try:
            return con.execute("SELECT count(*) FROM reports").fetchone()[0]
        finally:
            con.close()


SIMPLE_REPORT = {"kind": "abuse_material",
                 "urls": ["https://example.org/suspicious-page"],
                 "where": "website"}


class ServerTestCase(unittest.TestCase):
    """One server for the whole class; SERVER_ARGS are extra serve args."""

    SERVER_ARGS = []
    maxDiff = 4000

    @classmethod
    def setUpClass(cls):
        cls.srv = Server(cls.SERVER_ARGS)
        try:
            cls.srv.start()
        except Exception:
            cls.srv.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.srv.cleanup()

    # shared assertions
    def file_report(self, obj=None, headers=None):
        s, h, j = self.srv.api_report(obj or SIMPLE_REPORT, headers)
        self.assertEqual(s, 201, j)
        return j["number"], j["secret"]

    def assertErrorBody(self, body, status, code, field="any", msg=""):
        """BODY is a JSON error list whose first error has CODE and FIELD
        (field="any" skips the field check). Returns the error dict."""
        j = parse_json(body) if isinstance(body, (bytes, bytearray)) else body
        self.assertIsInstance(j, dict, "%s: not a JSON object: %r" % (msg, str(body)[:300]))
        self.assertIn("errors", j, msg)
        errs = j["errors"]
        self.assertIsInstance(errs, list, msg)
        self.assertGreaterEqual(len(errs), 1, msg)
        for e in errs:
            self.assertEqual(set(e.keys()), {"field", "code", "message"}, msg)
            self.assertIsInstance(e["message"], str, msg)
            self.assertTrue(e["message"].strip(), "%s: empty message" % msg)
            self.assertTrue(e["field"] is None or isinstance(e["field"], str), msg)
        codes = [(e["code"], e["field"]) for e in errs]
        match = [e for e in errs if e["code"] == code
                 and (field == "any" or e["field"] == field)]
        self.assertTrue(match, "%s: expected %d code=%r field=%r, got %r"
                        % (msg, status, code, field, codes))
        return match[0]
