-- 003_queue.sql: what the triage queue needs. Priority: 2 a child in
-- immediate danger, 1 a known-hash match (later), 0 the rest. The index
-- serves "open reports, highest priority first, then oldest" without a sort.
ALTER TABLE reports ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reports ADD COLUMN assignee TEXT;
UPDATE reports SET priority = 2 WHERE kind = 'immediate_danger';
CREATE INDEX reports_queue ON reports (state, priority DESC, id);
