-- 004_casework.sql: what staff add to reports: notes, classification,
-- duplicates. Classification values are stored as JSON because the fields
-- come from a data file (data/classification/*.json), not from code.
ALTER TABLE reports ADD COLUMN classification TEXT;   -- {"field": "value", ...}
ALTER TABLE reports ADD COLUMN duplicate_of INTEGER REFERENCES reports (id);

CREATE TABLE report_notes (
  id          INTEGER PRIMARY KEY,
  report_id   INTEGER NOT NULL REFERENCES reports (id),
  author      TEXT NOT NULL,
  text        TEXT NOT NULL,
  created_at  TEXT NOT NULL
);
CREATE INDEX report_notes_report ON report_notes (report_id);
