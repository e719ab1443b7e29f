-- 007_queue_keys.sql: the queue's order as one ascending key (highest
-- priority first, then oldest), so that every page, however deep and
-- whatever the filter, is an index seek: "queue_key > last key seen".
DROP INDEX IF EXISTS reports_queue;
ALTER TABLE reports ADD COLUMN queue_key INTEGER
  GENERATED ALWAYS AS ((2 - priority) * 1099511627776 + id) VIRTUAL;
CREATE INDEX reports_open ON reports (queue_key) WHERE state <> 'closed';
-- The trailing columns let a second filter be checked in the index itself,
-- without reading each table row.
CREATE INDEX reports_open_kind ON reports (kind, queue_key, channel) WHERE state <> 'closed';
CREATE INDEX reports_open_channel ON reports (channel, queue_key, kind) WHERE state <> 'closed';
CREATE INDEX reports_open_kind_channel ON reports (kind, channel, queue_key)
  WHERE state <> 'closed';
CREATE INDEX reports_state_key ON reports (state, queue_key, kind, channel);
