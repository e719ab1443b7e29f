-- 010_mail.sql: the outgoing mail queue. A row is written in the same
-- transaction as whatever caused the mail, and the sender marks it sent in
-- the same transaction as the audit row of its sending. No column holds a
-- reporter's address in clear: mail to a reporter names the report
-- (ref_type 'report') and the sender unseals the report's contact when it
-- sends; any other recipient is sealed with the key file (to_sealed).
CREATE TABLE mail_outbox (
  id          INTEGER PRIMARY KEY,
  kind        TEXT NOT NULL CHECK (kind = 'ack' OR kind = 'staff' OR kind = 'notice'
                                   OR kind = 'test'),
  ref_type    TEXT,                        -- 'report', 'item' ... or NULL
  ref_id      TEXT,
  to_sealed   BLOB,                        -- NULL: the reporter of report ref_id
  reply_to    TEXT,
  subject     TEXT NOT NULL,
  body        TEXT NOT NULL,
  message_id  TEXT NOT NULL UNIQUE,        -- fixed at enqueue: a resend carries the same one
  state       TEXT NOT NULL DEFAULT 'queued'
              CHECK (state = 'queued' OR state = 'sending' OR state = 'sent' OR state = 'failed'),
  attempts    INTEGER NOT NULL DEFAULT 0,
  next_at     INTEGER NOT NULL,            -- unix seconds: not before
  last_error  TEXT,
  created_by  TEXT NOT NULL,               -- 'system', 'user:NAME' ...
  created_at  TEXT NOT NULL,
  sent_at     TEXT
);
-- the sender's question: what is due, oldest first
CREATE INDEX mail_outbox_due ON mail_outbox (next_at, id) WHERE state = 'queued';
-- one acknowledgement per report, however often its message is delivered
CREATE UNIQUE INDEX mail_outbox_ack ON mail_outbox (ref_type, ref_id) WHERE kind = 'ack';
