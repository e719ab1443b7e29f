-- 002_staff.sql: staff accounts, sessions, API keys and the audit chain.
CREATE TABLE users (
  id               INTEGER PRIMARY KEY,
  name             TEXT NOT NULL UNIQUE,
  role             TEXT NOT NULL CHECK (role = 'operator' OR role = 'analyst' OR role = 'case_worker'
                                        OR role = 'supervisor' OR role = 'admin' OR role = 'auditor'),
  password_hash    TEXT NOT NULL,            -- argon2id, libsodium's crypto_pwhash_str
  totp_sealed      BLOB NOT NULL,            -- the TOTP secret, sealed with the key file
  disabled         INTEGER NOT NULL DEFAULT 0,
  failed_logins    INTEGER NOT NULL DEFAULT 0,
  locked           INTEGER NOT NULL DEFAULT 0,
  last_totp_step   INTEGER NOT NULL DEFAULT 0, -- a TOTP code is accepted once
  must_change      INTEGER NOT NULL DEFAULT 1, -- the password was printed once: replace it
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL
);

CREATE TABLE sessions (
  id            INTEGER PRIMARY KEY,
  token_hash    BLOB NOT NULL UNIQUE,        -- keyed hash of the cookie's token
  user_id       INTEGER NOT NULL REFERENCES users (id),
  csrf          TEXT NOT NULL,
  created_at    INTEGER NOT NULL,            -- unix seconds
  last_seen_at  INTEGER NOT NULL,
  ended         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_keys (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  role        TEXT NOT NULL CHECK (role = 'operator' OR role = 'analyst' OR role = 'case_worker'
                                   OR role = 'supervisor' OR role = 'admin' OR role = 'auditor'),
  key_hash    BLOB NOT NULL UNIQUE,
  created_at  TEXT NOT NULL,
  revoked_at  TEXT
);

-- Append-only: the program never updates or deletes a row. Each row's hash
-- covers its content and the previous row's hash.
CREATE TABLE audit_log (
  id           INTEGER PRIMARY KEY,
  at           TEXT NOT NULL,
  actor        TEXT NOT NULL,                -- "user:NAME", "apikey:NAME", "cli", "system"
  action       TEXT NOT NULL,                -- "report.read", "login.failed", ...
  object_type  TEXT,
  object_id    TEXT,
  detail       TEXT,
  prev_hash    BLOB NOT NULL,
  hash         BLOB NOT NULL
);
