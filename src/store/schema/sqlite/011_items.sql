-- 011_items.sql: online material. One item per normalised URL, however
-- many reports name it; where it is hosted; who was told; and when each
-- step happened. Times of items are whole seconds since 1970 (UTC), so the
-- statistics subtract integers instead of parsing text.
CREATE TABLE items (
  id                INTEGER PRIMARY KEY,
  url               TEXT NOT NULL UNIQUE,      -- normalised (src/core/urlnorm.c)
  host              TEXT NOT NULL,
  state             TEXT NOT NULL DEFAULT 'new'
                    CHECK (state = 'new' OR state = 'illegal' OR state = 'not_illegal'
                           OR state = 'notified' OR state = 'removed'),
  reopened          INTEGER NOT NULL DEFAULT 0, -- reported again while illegal and online
  report_count      INTEGER NOT NULL DEFAULT 0,
  channel           TEXT NOT NULL,             -- of the first report
  classification    TEXT,                      -- JSON, as the analyst assessed it
  class_key         TEXT,                      -- the scheme's first field's value, for statistics
  first_reported_at INTEGER NOT NULL,
  last_reported_at  INTEGER NOT NULL,
  assessed_at       INTEGER,
  assessed_by       TEXT,
  notified_at       INTEGER,                   -- the first notice, forward or referral
  removed_at        INTEGER,                   -- confirmed removed by the analyst
  reappeared_at     INTEGER,
  reopened_at       INTEGER,
  reminders_sent    INTEGER NOT NULL DEFAULT 0,
  -- hosting: looked up off the request path, or corrected by an analyst
  resolve_state     TEXT NOT NULL DEFAULT 'pending'
                    CHECK (resolve_state = 'pending' OR resolve_state = 'done'
                           OR resolve_state = 'failed' OR resolve_state = 'corrected'),
  addresses         TEXT,                      -- space-separated
  country           TEXT,                      -- ISO 3166-1 alpha-2
  asn               INTEGER,
  as_name           TEXT,
  hosting_note      TEXT,                      -- the analyst's reason for a correction
  resolved_at       INTEGER,
  updated_at        INTEGER NOT NULL
);
CREATE INDEX items_state ON items (state, id);
CREATE INDEX items_reopened ON items (id) WHERE reopened = 1;
CREATE INDEX items_pending ON items (id) WHERE resolve_state = 'pending';
-- Statistics read every item first reported in a period: this index holds
-- every column they need, so they read it in order and never the table.
CREATE INDEX items_stats ON items (first_reported_at, assessed_at, notified_at, removed_at,
  report_count, state, channel, class_key, country, asn, as_name);
CREATE INDEX items_notified ON items (notified_at) WHERE state = 'notified';

-- Which reports name an item. Clustered by item, so "every report of this
-- item" is one range; intake appends within each item's range.
CREATE TABLE item_reports (
  item_id    INTEGER NOT NULL REFERENCES items (id),
  report_id  INTEGER NOT NULL REFERENCES reports (id),
  PRIMARY KEY (item_id, report_id)
) WITHOUT ROWID;

-- Reports a day per channel, kept by the intake committer (one row a batch),
-- so statistics never count the reports table.
CREATE TABLE report_daily (
  day      TEXT NOT NULL,                      -- YYYY-MM-DD (UTC)
  channel  TEXT NOT NULL,
  n        INTEGER NOT NULL,
  PRIMARY KEY (day, channel)
) WITHOUT ROWID;
INSERT INTO report_daily (day, channel, n)
  SELECT substr(received_at, 1, 10), channel, count(*) FROM reports GROUP BY 1, 2;

-- The directory: partner hotlines by country, police and law-enforcement
-- contacts, hosting providers' abuse addresses by AS number or domain.
CREATE TABLE directory (
  id          INTEGER PRIMARY KEY,
  type        TEXT NOT NULL CHECK (type = 'hotline' OR type = 'police' OR type = 'provider'),
  name        TEXT NOT NULL,
  country     TEXT,                            -- hotlines, police
  scope       TEXT CHECK (scope IS NULL OR scope = 'national' OR scope = 'international'),
  asn         INTEGER,                         -- providers
  domain      TEXT,                            -- providers
  email       TEXT NOT NULL,
  language    TEXT NOT NULL DEFAULT 'en',      -- the language notices to it are written in
  sample      INTEGER NOT NULL DEFAULT 0,      -- from the shipped sample: to be checked
  updated_at  TEXT NOT NULL
);
CREATE INDEX directory_type ON directory (type, country);

-- Every notice, forward and referral, with its time and the hotline's
-- reference, and reminders to the same recipient.
CREATE TABLE item_notices (
  id            INTEGER PRIMARY KEY,
  item_id       INTEGER NOT NULL REFERENCES items (id),
  kind          TEXT NOT NULL CHECK (kind = 'notice' OR kind = 'forward' OR kind = 'referral'
                                     OR kind = 'reminder'),
  rule          TEXT NOT NULL,                 -- the routing rule that chose it
  directory_id  INTEGER REFERENCES directory (id) ON DELETE SET NULL,
  recipient     TEXT NOT NULL,
  email         TEXT NOT NULL,
  language      TEXT NOT NULL,
  reference     TEXT NOT NULL,
  subject       TEXT NOT NULL,
  body          TEXT NOT NULL,
  mail_id       INTEGER,                       -- the outgoing mail queue's row, when queued
  confirmed_by  TEXT NOT NULL,
  sent_at       INTEGER NOT NULL
);
CREATE INDEX item_notices_item ON item_notices (item_id, id);

-- Items' report counts are written at most once a second (the committer
-- keeps them in memory in between): every report up to this id is counted
-- in items.report_count; reports after it are counted again from their
-- URLs when the server starts.
CREATE TABLE item_counted (
  id        INTEGER PRIMARY KEY CHECK (id = 1),
  report_id INTEGER NOT NULL
);
INSERT INTO item_counted (id, report_id) VALUES (1, (SELECT COALESCE(MAX(id), 0) FROM reports));
