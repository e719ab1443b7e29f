-- 001_reports.sql: reports, their URLs and what reporters add later.
-- No column ever holds an IP address. Contact details are a sealed blob.
CREATE TABLE reports (
  id                INTEGER PRIMARY KEY,
  number            TEXT NOT NULL UNIQUE,      -- 9 digits, the last a Damm check digit
  secret_hash       BLOB NOT NULL,             -- keyed BLAKE2b of the receipt secret
  kind              TEXT NOT NULL CHECK (kind IN ('abuse_material','exploitation','immediate_danger','needs_triage')),
  channel           TEXT NOT NULL CHECK (channel IN ('web','api','email','phone')),
  state             TEXT NOT NULL DEFAULT 'received'
                    CHECK (state IN ('received','under_analysis','forwarded','closed')),
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
CREATE INDEX reports_state_received ON reports (state, received_at);

CREATE TABLE report_additions (
  id          INTEGER PRIMARY KEY,
  report_id   INTEGER NOT NULL REFERENCES reports (id),
  text        TEXT,
  received_at TEXT NOT NULL
);
CREATE INDEX report_additions_report ON report_additions (report_id);

CREATE TABLE report_urls (
  id          INTEGER PRIMARY KEY,
  report_id   INTEGER NOT NULL REFERENCES reports (id),
  addition_id INTEGER REFERENCES report_additions (id),
  position    INTEGER NOT NULL,
  url         TEXT NOT NULL,                   -- as the reporter gave it
  url_norm    TEXT NOT NULL                    -- as the URL parser rebuilt it (items index it, later)
);
CREATE INDEX report_urls_report ON report_urls (report_id);
