-- 005_phone.sql: phone sheets. A call becomes a report with channel
-- 'phone' in the same queue; these are the call's own facts.
CREATE TABLE phone_calls (
  report_id   INTEGER PRIMARY KEY REFERENCES reports (id),
  started_at  TEXT NOT NULL,
  ended_at    TEXT,
  caller      TEXT NOT NULL CHECK (caller = 'child' OR caller = 'parent' OR caller = 'relative'
                                   OR caller = 'professional' OR caller = 'third_party'
                                   OR caller = 'anonymous'),
  urgency     TEXT NOT NULL CHECK (urgency = 'low' OR urgency = 'normal' OR urgency = 'high'
                                   OR urgency = 'immediate'),
  operator    TEXT NOT NULL                    -- the account that took the call
);
CREATE INDEX phone_calls_operator ON phone_calls (operator, report_id);
