-- 007_queue_keys.sql: the queue's order as one ascending key (highest
-- priority first, then oldest), so that every page, however deep and
-- whatever the filter, is an index seek: "queue_key > last key seen".
DROP INDEX IF EXISTS reports_queue;
ALTER TABLE reports ADD COLUMN queue_key INTEGER
  GENERATED ALWAYS AS ((2 - priority) * 1099511627776 + id) VIRTUAL;
CREATE INDEX reports_open ON reports (queue_key) WHERE state <> 'closed';
CREATE INDEX reports_open_kind ON reports (kind, queue_key) WHERE state <> 'closed';
CREATE INDEX reports_open_channel ON reports (channel, queue_key) WHERE state <> 'closed';
CREATE INDEX reports_state_key ON reports (state, queue_key);
