-- Links of reports to items that the intake committer has not moved into
-- item_reports yet. item_reports is clustered by item, so a report of a
-- known URL written there at once dirties one page of that item's, batch
-- after batch, across thousands of items in a viral spike; here the
-- committer appends in report order. Every few seconds the links waiting
-- are moved, sorted by item, a slice per batch, each item's count raised
-- by the links it received (src/core/items.c); once a whole generation
-- is moved, its rows here are deleted in report order, so a link may be in
-- both tables for a while. A start moves what a stopped process left here
-- (skipping links already moved) and counts those items again from their
-- links.
CREATE TABLE item_links_new (
  report_id  INTEGER NOT NULL,
  item_id    INTEGER NOT NULL,
  PRIMARY KEY (report_id, item_id)
) WITHOUT ROWID;

-- The mark of 011 said up to which report the counts were written; counts
-- of the reports after it (a crash before they were written) are taken
-- again from the links here, once.
UPDATE items SET report_count = (SELECT count(*) FROM item_reports r WHERE r.item_id = items.id)
 WHERE id IN (SELECT item_id FROM item_reports
              WHERE report_id > (SELECT report_id FROM item_counted WHERE id = 1));
DROP TABLE item_counted;
