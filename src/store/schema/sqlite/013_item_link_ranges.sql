-- Links of reports to items not yet in item_reports are no longer written
-- one row each (012's item_links_new): they follow from report_urls, since
-- a report is linked to the item whose url is one of its url_norm. The
-- intake committer writes one row here per batch that linked reports to
-- known items, the range of the batch's report ids; once every link of
-- those reports is in item_reports (moved every few seconds, sorted by
-- item, src/core/items.c), the row is deleted. A start takes the links of
-- the reports in the ranges left here (skipping those already moved) and
-- counts those items again from their links. Readers of an item's reports
-- look in item_reports and in the reports of these ranges.
CREATE TABLE item_link_ranges (
  first_report_id INTEGER PRIMARY KEY,
  last_report_id  INTEGER NOT NULL
);

-- what an older version left staged: moved now, the items counted again
INSERT INTO item_reports (item_id, report_id)
SELECT item_id, report_id FROM item_links_new WHERE true ON CONFLICT DO NOTHING;
UPDATE items SET report_count = (SELECT count(*) FROM item_reports r WHERE r.item_id = items.id)
 WHERE id IN (SELECT item_id FROM item_links_new);
DROP TABLE item_links_new;
