-- 007_queue_keys.sql: the triage queue's order is held in memory by the
-- server (src/core/queue.c), loaded at start and kept current by the
-- intake, so no index has to be written on every intake for it.
DROP INDEX IF EXISTS reports_queue;

-- State changes, appended by every writer (the server, `hotline report
-- set`), so a running server's in-memory queue can follow changes made by
-- other processes: it reads the rows after the last one it applied.
CREATE TABLE queue_events (
  id         INTEGER PRIMARY KEY,
  report_id  INTEGER NOT NULL,
  state      TEXT NOT NULL
);
