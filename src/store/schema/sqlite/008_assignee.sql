-- 008_assignee.sql: "reports assigned to X". Partial, so intake (whose new
-- reports have no assignee) never writes it.
CREATE INDEX reports_assignee ON reports (assignee, priority, id) WHERE assignee IS NOT NULL;
