-- 001_reports.sql: reports, their URLs and what reporters add later.
-- No column ever holds an IP address. Contact details are a sealed blob.
CREATE TABLE reports (
  id                INTEGER PRIMARY KEY,
  number            TEXT NOT NULL,             -- 9 digits from the id, the last a Damm check digit
  secret_hash       BLOB NOT NULL,             -- keyed BLAKE2b of the receipt secret
  -- CHECKs are written as OR chains: SQLite builds a temporary b-tree for
  -- every "IN (list)" each time a row is written, which costs intake dearly.
  kind              TEXT NOT NULL CHECK (kind = 'abuse_material' OR kind = 'exploitation'
                                         OR kind = 'immediate_danger' OR kind = 'needs_triage'),
  channel           TEXT NOT NULL CHECK (channel = 'web' OR channel = 'api'
                                         OR channel = 'email' OR channel = 'phone'),
  state             TEXT NOT NULL DEFAULT 'received'
                    CHECK (state = 'received' OR state = 'under_analysis'
                           OR state = 'forwarded' OR state = 'closed'),
  where_seen        TEXT,
  exploitation_type TEXT,
  description       TEXT,
  location          TEXT,
  language          TEXT,
  contact_sealed    BLOB,                      -- nonce || secretbox(contact JSON)
  may_contact       INTEGER NOT NULL DEFAULT 0,
  public_message    TEXT,                      -- what the hotline chose to tell the reporter
  received_at       TEXT NOT NULL,
  updated_at        TEXT NOT NULL
);
-- The console's queue adds its own indexes; intake keeps to appends.

CREATE TABLE report_additions (
  id          INTEGER PRIMARY KEY,
  report_id   INTEGER NOT NULL REFERENCES reports (id),
  text        TEXT,
  received_at TEXT NOT NULL
);
CREATE INDEX report_additions_report ON report_additions (report_id);

-- Clustered by report: a report's URLs are stored together, in order.
CREATE TABLE report_urls (
  report_id   INTEGER NOT NULL REFERENCES reports (id),
  addition_id INTEGER NOT NULL,                -- 0: the report itself; else report_additions.id
  position    INTEGER NOT NULL,
  url         TEXT NOT NULL,                   -- as the reporter gave it
  url_norm    TEXT NOT NULL,                   -- as the URL parser rebuilt it (items index it, later)
  PRIMARY KEY (report_id, addition_id, position)
) WITHOUT ROWID;
