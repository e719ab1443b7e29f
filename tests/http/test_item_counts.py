#!/usr/bin/env python3
"""Items' report counts (issue 6): a report of a known URL is linked in the
committer's memory, and its batch writes the range of its report ids to
item_link_ranges (the link follows from the report's URLs); every three
seconds the committer takes the links waiting and moves them, sorted by
item, a slice per batch, into item_reports and the items' counts. A count
read at once must already include every acknowledged report, and a crash
(SIGKILL) before the links were moved, or while only some of them were, must
not lose or double any of them: the next start takes the links of the
reports in the ranges left, moves those not moved yet and counts those items
again from their links. A range is deleted once its whole generation is in
item_reports; until then its links are both moved and named by it."""

import json
import os
import sqlite3
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import parse_json  # noqa: E402
from test_console_common import ConsoleTestCase  # noqa: E402

def in_ranges(con, like):
    """How many reports with a URL LIKE like the ranges left name (their
    links not all moved yet)."""
    return con.execute("SELECT count(DISTINCT u.report_id) FROM item_link_ranges g"
                       " JOIN report_urls u ON u.report_id BETWEEN g.first_report_id"
                       " AND g.last_report_id WHERE u.url_norm LIKE ?", (like,)).fetchone()[0]


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

    def counts_of(self, url):
        s, h, b = self.con("GET", "/api/v1/items?limit=500",
                           {"Authorization": "Bearer " + self.key()})
        self.assertEqual(s, 200, b[:200])
        return {i["url"]: i["report_count"] for i in parse_json(b)["items"]}.get(url)

    def stored_counts(self, like="https://counts.example.org/%"):
        con = self.srv.db()
        try:
            return dict(con.execute("SELECT url, report_count FROM items WHERE url LIKE ?",
                                    (like,)).fetchall())
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

    def test_crash_while_counts_are_partly_written(self):
        many = ["https://many.example.org/p%03d" % i for i in range(400)]
        # every item made (stored with a count of 1), then reported six
        # times more: 2,400 links wait, more than a batch moves
        for _ in range(7):
            for k in range(0, len(many), 50):
                s, _, j = self.srv.api_report({"kind": "abuse_material",
                                               "urls": many[k:k + 50]})
                self.assertEqual(s, 201, j)

        def stored():
            return self.stored_counts("https://many.example.org/%")
        self.assertEqual(sorted(set(stored().values())), [1])
        # after three quiet seconds the next batch takes the links waiting
        # and moves the first of them only
        time.sleep(3.5)
        self.file([URLS[0]])
        counts = stored()
        written = sum(1 for v in counts.values() if v == 7)
        self.assertTrue(0 < written < len(many), "written: %d" % written)
        self.assertEqual(set(counts.values()), {1, 7})
        # the moved links are in item_reports, and their ranges are still
        # there: they go once the whole generation is in
        con = self.srv.db()
        try:
            linked = con.execute("SELECT count(*) FROM item_reports r JOIN items i ON i.id ="
                                 " r.item_id WHERE i.url LIKE 'https://many.example.org/%'"
                                 ).fetchone()[0]
            named = in_ranges(con, "https://many.example.org/%")
        finally:
            con.close()
        self.assertEqual(linked, len(many) + 6 * written)
        self.assertEqual(named, 6 * len(many) // 50)  # every report after the first seven
        self.srv.kill9()
        self.srv.start()
        self.assertEqual(set(stored().values()), {7})
        s, h, b = self.con("GET", "/api/v1/items?limit=500",
                           {"Authorization": "Bearer " + self.key()})
        self.assertEqual(s, 200, b[:200])
        got = {i["url"]: i["report_count"] for i in parse_json(b)["items"]
               if i["url"] in many}
        self.assertEqual(got, {u: 7 for u in many})
        con = self.srv.db()
        try:
            self.assertEqual(con.execute("SELECT count(*) FROM item_link_ranges").fetchone()[0], 0)
            linked = con.execute("SELECT count(*) FROM item_reports r JOIN items i ON i.id ="
                                 " r.item_id WHERE i.url LIKE 'https://many.example.org/%'"
                                 ).fetchone()[0]
            self.assertEqual(linked, 7 * len(many))
        finally:
            con.close()

    def test_moved_links_leave_their_ranges(self):
        """Without a restart: once every link of a generation is in
        item_reports, the following batches delete the ranges that named
        them, and nothing is counted twice."""
        urls = ["https://drain.example.org/p%03d" % i for i in range(300)]
        for _ in range(6):  # 300 items, then 1,500 links staged
            for k in range(0, len(urls), 50):
                s, _, j = self.srv.api_report({"kind": "abuse_material",
                                               "urls": urls[k:k + 50]})
                self.assertEqual(s, 201, j)
        time.sleep(3.5)
        # each report below is a batch of its own: the first takes the
        # generation, the next ones move it and then clean up after it
        for _ in range(40):
            self.file(["https://drain.example.org/driver"])
        con = self.srv.db()
        try:
            counts = dict(con.execute("SELECT url, report_count FROM items WHERE url LIKE"
                                      " 'https://drain.example.org/p%'").fetchall())
            linked = con.execute("SELECT count(*) FROM item_reports r JOIN items i ON i.id ="
                                 " r.item_id WHERE i.url LIKE 'https://drain.example.org/p%'"
                                 ).fetchone()[0]
            # no range left names a report of these items (the driver's
            # own reports are in the next generation)
            staged = in_ranges(con, "https://drain.example.org/p%")
        finally:
            con.close()
        self.assertEqual(counts, {u: 6 for u in urls})
        self.assertEqual(linked, 6 * len(urls))
        self.assertEqual(staged, 0)
        s, h, b = self.con("GET", "/api/v1/items?limit=500",
                           {"Authorization": "Bearer " + self.key()})
        self.assertEqual(s, 200, b[:200])
        got = {i["url"]: i["report_count"] for i in parse_json(b)["items"] if i["url"] in urls}
        self.assertEqual(got, {u: 6 for u in urls})

    def test_upgrade_moves_what_an_older_version_staged(self):
        """A data folder from before store 013 may hold links staged one row
        each in item_links_new (012), not yet in item_reports nor in the
        item's stored count: the upgrade moves them, counts those items
        again from their links, and drops the table."""
        url = "https://upgrade.example.org/page"
        numbers = [self.file([url])["number"] for _ in range(5)]
        self.assertEqual(self.counts_of(url), 5)
        self.srv.stop()
        self.addCleanup(self.srv.start_if_stopped)
        con = sqlite3.connect(self.srv.db_path, timeout=10)
        try:
            item = con.execute("SELECT id FROM items WHERE url = ?", (url,)).fetchone()[0]
            reports = [r[0] for r in con.execute(
                "SELECT report_id FROM item_reports WHERE item_id = ? ORDER BY report_id",
                (item,))]
            self.assertEqual(len(reports), 5)
            # as 012 left it after a crash: four links staged, counted 1
            con.executescript("""
                DROP TABLE item_link_ranges;
                DELETE FROM schema_migrations WHERE version = 13;
                CREATE TABLE item_links_new (report_id INTEGER NOT NULL,
                  item_id INTEGER NOT NULL, PRIMARY KEY (report_id, item_id)) WITHOUT ROWID;""")
            for r in reports[1:]:
                con.execute("DELETE FROM item_reports WHERE item_id = ? AND report_id = ?",
                            (item, r))
                con.execute("INSERT INTO item_links_new VALUES (?, ?)", (r, item))
            # one staged link was moved already: it is not counted twice
            con.execute("INSERT INTO item_reports VALUES (?, ?)", (item, reports[1]))
            con.execute("UPDATE items SET report_count = 2 WHERE id = ?", (item,))
            con.commit()
        finally:
            con.close()
        self.srv.start()
        self.assertEqual(self.counts_of(url), 5)
        con = self.srv.db()
        try:
            self.assertEqual(con.execute("SELECT report_count FROM items WHERE id = ?",
                                         (item,)).fetchone()[0], 5)
            self.assertEqual([r[0] for r in con.execute(
                "SELECT report_id FROM item_reports WHERE item_id = ? ORDER BY report_id",
                (item,))], reports)
            self.assertIsNone(con.execute("SELECT name FROM sqlite_master WHERE name ="
                                          " 'item_links_new'").fetchone())
            self.assertEqual(con.execute("SELECT count(*) FROM schema_migrations WHERE"
                                         " version = 13").fetchone()[0], 1)
        finally:
            con.close()
        # and the item still lists its five reports
        s, h, b = self.con("GET", "/api/v1/items/%d" % item,
                           {"Authorization": "Bearer " + self.key()})
        self.assertEqual(s, 200, b[:200])
        self.assertEqual(parse_json(b)["report_count"], 5)
        self.assertEqual(sorted(parse_json(b)["reports"]), sorted(numbers))

    def test_intake_leaves_no_orphans(self):
        """The committer writes without foreign-key checks (each costs it a
        parent look-up per row): every row it adds must still have its
        parents. Reports with new and known URLs, links moved and staged,
        an addition with URLs, an audited read; then PRAGMA foreign_key_check
        finds nothing, and it does find an orphan put there on purpose."""
        urls = ["https://orphans.example.org/p%d" % i for i in range(20)]
        numbers = []
        for k in range(4):
            for i in range(0, len(urls), 5):
                j = self.file(urls[i:i + 5] + [URLS[k % 3]])
                numbers.append(j)
        time.sleep(3.5)  # a generation is taken and moved by the next batches
        for _ in range(10):
            self.file([urls[0], "https://orphans.example.org/late"])
        j = numbers[0]
        s, _, b = self.srv.post_json("/api/v1/reports/%s/additions" % j["number"],
                                     {"text": "One more.",
                                      "urls": [urls[1], "https://orphans.example.org/added"]},
                                     {"Authorization": "Bearer " + j["secret"]})
        self.assertEqual(s, 201, b)
        s, _, b = self.con("GET", "/api/v1/reports/" + j["number"],
                           {"Authorization": "Bearer " + self.key()})
        self.assertEqual(s, 200, b[:200])
        self.srv.stop()  # a clean stop moves the links still waiting
        self.addCleanup(self.srv.start_if_stopped)
        con = sqlite3.connect(self.srv.db_path, timeout=10)
        try:
            self.assertEqual(con.execute("PRAGMA foreign_key_check").fetchall(), [])
            linked = con.execute("SELECT count(*) FROM item_reports r JOIN items i ON i.id ="
                                 " r.item_id WHERE i.url LIKE 'https://orphans.example.org/%'"
                                 ).fetchone()[0]
            # 4 x 20, 10 x 2, and the addition's new URL (its other URL is
            # already linked to that report)
            self.assertEqual(linked, 80 + 20 + 1)
            # the check is not blind: an item link to no report is found
            item = con.execute("SELECT id FROM items WHERE url = ?", (urls[0],)).fetchone()[0]
            con.execute("INSERT INTO item_reports (item_id, report_id) VALUES (?, ?)",
                        (item, 1 << 40))
            con.commit()
            self.assertEqual([r[0] for r in con.execute("PRAGMA foreign_key_check")],
                             ["item_reports"])
            con.execute("DELETE FROM item_reports WHERE report_id = ?", (1 << 40,))
            con.commit()
        finally:
            con.close()

    def test_failing_move_never_blocks_intake(self):
        """When moving the links into item_reports fails (here a trigger
        refuses them), reports are still taken and acknowledged, the links
        wait, and they are moved and counted once the cause is gone."""
        url = "https://stuck.example.org/page"
        self.file([url])  # makes the item, counted 1
        con = sqlite3.connect(self.srv.db_path, timeout=10)  # writable: the test's fault
        try:
            item = con.execute("SELECT id FROM items WHERE url = ?", (url,)).fetchone()[0]
            con.execute("CREATE TRIGGER refuse_move BEFORE INSERT ON item_reports"
                        " WHEN NEW.item_id = %d BEGIN SELECT RAISE(ABORT, 'test'); END" % item)
            con.commit()
        finally:
            con.close()
        for _ in range(5):
            self.file([url])
        time.sleep(3.5)  # the next batches try to move the five links
        for _ in range(3):
            self.file([url, URLS[2]])
        s, h, b = self.con("GET", "/api/v1/items/%d" % item,
                           {"Authorization": "Bearer " + self.key()})
        self.assertEqual(s, 200, b[:200])
        self.assertEqual(parse_json(b)["report_count"], 9)
        con = sqlite3.connect(self.srv.db_path, timeout=10)
        try:
            self.assertGreater(in_ranges(con, url), 0)
            con.execute("DROP TRIGGER refuse_move")
            con.commit()
        finally:
            con.close()
        self.assertIn("moving links failed", self.srv.stderr_text())
        # the cause gone, a clean stop moves every link and writes the count
        self.srv.stop()
        con = self.srv.db()
        try:
            self.assertEqual(con.execute("SELECT report_count FROM items WHERE id = ?",
                                         (item,)).fetchone()[0], 9)
            self.assertEqual(con.execute("SELECT count(*) FROM item_reports WHERE item_id = ?",
                                         (item,)).fetchone()[0], 9)
            self.assertEqual(con.execute("SELECT count(*) FROM item_link_ranges").fetchone()[0], 0)
        finally:
            con.close()
        self.srv.start()


if __name__ == "__main__":
    unittest.main()
