#!/usr/bin/env python3
"""Items' report counts (issue 6): the committer writes them at most once a
second and keeps them in memory in between, so a count read at once must
already include every acknowledged report, and a crash (SIGKILL) before
the counts were written must not lose or double any of them: the next
start counts the reports after the last written mark again."""

import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import parse_json  # noqa: E402
from test_console_common import ConsoleTestCase  # noqa: E402

URLS = ["https://counts.example.org/a", "https://counts.example.org/b",
        "https://counts.example.org/c"]


class ItemCounts(ConsoleTestCase):

    def key(self):
        if not getattr(type(self), "_key", None):
            type(self)._key = self.add_apikey("analyst")[1]
        return type(self)._key

    def counts(self):
        s, h, b = self.con("GET", "/api/v1/items?limit=500",
                           {"Authorization": "Bearer " + self.key()})
        self.assertEqual(s, 200, b[:200])
        return {i["url"]: i["report_count"] for i in parse_json(b)["items"]
                if i["url"] in URLS}

    def file(self, urls):
        s, _, j = self.srv.api_report({"kind": "abuse_material", "urls": urls})
        self.assertEqual(s, 201, j)
        return j

    def stored_counts(self):
        con = self.srv.db()
        try:
            return dict(con.execute("SELECT url, report_count FROM items WHERE url LIKE "
                                    "'https://counts.example.org/%'").fetchall())
        finally:
            con.close()

    def test_counts_at_once_and_after_a_crash(self):
        want = {u: 0 for u in URLS}
        for round_ in range(3):
            for i in range(7):
                urls = [URLS[i % 3]] + ([URLS[(i + 1) % 3]] if i % 2 else [])
                # the same URL twice in one report counts once
                self.file(urls + urls[:1])
                for u in urls:
                    want[u] += 1
            # read at once: the counts include what is not written yet
            self.assertEqual(self.counts(), want, "round %d" % round_)
            # a crash right away, before the counts are written
            self.srv.kill9()
            self.srv.start()
            self.assertEqual(self.counts(), want, "after the crash of round %d" % round_)
            self.assertEqual(self.stored_counts(), want)
        # an addition's URL is counted too
        j = self.file([URLS[0]])
        want[URLS[0]] += 1
        s, _, b = self.srv.post_json("/api/v1/reports/%s/additions" % j["number"],
                                     {"urls": [URLS[1]]},
                                     {"Authorization": "Bearer " + j["secret"]})
        self.assertEqual(s, 201, b)
        want[URLS[1]] += 1
        self.assertEqual(self.counts(), want)
        # a clean stop writes what is waiting
        self.srv.stop()
        self.assertEqual(self.stored_counts(), want)
        self.srv.start()
        self.assertEqual(self.counts(), want)


if __name__ == "__main__":
    unittest.main()
