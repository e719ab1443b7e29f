-- 006_cases.sql: a case groups the reports, calls and notes about one child
-- or one incident, with follow-up tasks, referrals and, when the
-- organisation joins criminal proceedings as a civil party, the court.
CREATE TABLE cases (
  id                 INTEGER PRIMARY KEY,
  title              TEXT NOT NULL,
  state              TEXT NOT NULL DEFAULT 'open'
                     CHECK (state = 'open' OR state = 'monitoring' OR state = 'closed'),
  owner              TEXT NOT NULL,
  civil_party        INTEGER NOT NULL DEFAULT 0,
  court              TEXT,
  court_case_number  TEXT,
  created_at         TEXT NOT NULL,
  updated_at         TEXT NOT NULL
);
CREATE INDEX cases_state ON cases (state, id);

CREATE TABLE case_reports (
  case_id    INTEGER NOT NULL REFERENCES cases (id),
  report_id  INTEGER NOT NULL REFERENCES reports (id),
  linked_at  TEXT NOT NULL,
  PRIMARY KEY (case_id, report_id)
) WITHOUT ROWID;
CREATE INDEX case_reports_report ON case_reports (report_id);

CREATE TABLE case_entries (                    -- notes, tasks, referrals, hearings
  id           INTEGER PRIMARY KEY,
  case_id      INTEGER NOT NULL REFERENCES cases (id),
  type         TEXT NOT NULL CHECK (type = 'note' OR type = 'task' OR type = 'referral'
                                    OR type = 'hearing'),
  author       TEXT NOT NULL,
  text         TEXT,                           -- note text, task title, hearing note
  due_on       TEXT,                           -- task due date, hearing date (YYYY-MM-DD)
  done_at      TEXT,                           -- task done
  to_type      TEXT CHECK (to_type IS NULL OR to_type = 'police' OR to_type = 'prosecutor'
                           OR to_type = 'court' OR to_type = 'social_services'),
  recipient    TEXT,
  sent_on      TEXT,                           -- referral date (YYYY-MM-DD)
  reference    TEXT,                           -- the recipient's reference
  outcome      TEXT,
  outcome_on   TEXT,
  created_at   TEXT NOT NULL
);
CREATE INDEX case_entries_case ON case_entries (case_id, type, id);
CREATE INDEX case_entries_due ON case_entries (type, done_at, due_on);
