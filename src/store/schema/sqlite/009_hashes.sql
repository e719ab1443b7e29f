-- 009_hashes.sql: what reports carry besides text (hashes of files, hashes
-- submitted alone), the known-hash lists they are matched against, and the
-- keys that make a channel's intake idempotent (an e-mail's Message-ID).

ALTER TABLE reports ADD COLUMN subject TEXT;         -- e-mail subject
ALTER TABLE reports ADD COLUMN parse_warnings TEXT;  -- what a channel could not read

-- Files that reached the hotline: never their bytes, only what was learnt.
CREATE TABLE report_attachments (
  report_id   INTEGER NOT NULL REFERENCES reports (id),
  position    INTEGER NOT NULL,
  name        TEXT,
  type        TEXT,
  size        INTEGER NOT NULL,
  md5         BLOB NOT NULL,
  sha1        BLOB NOT NULL,
  sha256      BLOB NOT NULL,
  pdq         BLOB,                    -- 32 bytes, when the file decoded as an image
  pdq_quality INTEGER,
  problem     TEXT,                    -- image.too_large, image.undecodable
  PRIMARY KEY (report_id, position)
) WITHOUT ROWID;

-- Hashes submitted without a file.
CREATE TABLE report_hashes (
  report_id INTEGER NOT NULL REFERENCES reports (id),
  position  INTEGER NOT NULL,
  algo      TEXT NOT NULL CHECK (algo = 'pdq' OR algo = 'md5' OR algo = 'sha1' OR algo = 'sha256'),
  hash      BLOB NOT NULL,
  PRIMARY KEY (report_id, position)
) WITHOUT ROWID;

-- Known-hash matches found at intake (or later), with why: which list,
-- which entry, at what distance, from which attachment or hash.
CREATE TABLE report_matches (
  report_id  INTEGER NOT NULL REFERENCES reports (id),
  position   INTEGER NOT NULL,
  entry_id   INTEGER NOT NULL,
  list_id    INTEGER NOT NULL,
  algo       TEXT NOT NULL,
  distance   INTEGER NOT NULL,
  attachment INTEGER,                  -- report_attachments.position, or NULL
  hash       INTEGER,                  -- report_hashes.position, or NULL
  PRIMARY KEY (report_id, position)
) WITHOUT ROWID;

-- Idempotent intake: a source key ("mail:<Message-ID>") is taken once.
CREATE TABLE report_sources (
  source_key TEXT PRIMARY KEY,
  report_id  INTEGER NOT NULL
) WITHOUT ROWID;

-- Hash lists ("banks").
CREATE TABLE hashlists (
  id             INTEGER PRIMARY KEY AUTOINCREMENT, -- ids are never reused: servers follow them
  name           TEXT NOT NULL UNIQUE,
  source         TEXT,
  action         TEXT NOT NULL DEFAULT 'raise_priority'
                 CHECK (action = 'raise_priority' OR action = 'suggest_classification'
                        OR action = 'previously_assessed'),
  classification TEXT,                 -- the category suggested (suggest_classification)
  pdq_threshold  INTEGER NOT NULL DEFAULT 31 CHECK (pdq_threshold >= 0 AND pdq_threshold <= 256),
  local          INTEGER NOT NULL DEFAULT 0, -- the hotline's own list, fed by analysts
  created_at     TEXT NOT NULL,
  updated_at     TEXT NOT NULL
);

CREATE TABLE hashlist_entries (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  list_id     INTEGER NOT NULL REFERENCES hashlists (id),
  algo        TEXT NOT NULL CHECK (algo = 'pdq' OR algo = 'md5' OR algo = 'sha1' OR algo = 'sha256'),
  hash        BLOB NOT NULL,
  meta        TEXT,                    -- the CSV's other columns, as JSON
  disabled    INTEGER NOT NULL DEFAULT 0,
  disabled_reason TEXT,
  added_at    TEXT NOT NULL,
  UNIQUE (list_id, algo, hash)
);

-- What changed in the lists, in order, so a running server follows
-- imports and removals made by another process without a restart.
CREATE TABLE hashlist_changes (
  seq      INTEGER PRIMARY KEY,
  kind     TEXT NOT NULL,              -- entries_added, entry_disabled, entry_enabled, list_changed, list_removed
  list_id  INTEGER,
  entry_id INTEGER,
  at       TEXT NOT NULL
);
