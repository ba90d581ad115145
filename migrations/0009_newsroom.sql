-- Newsroom operations: API keys with roles, an append-only audit log, editorial overrides,
-- reader reports, webhooks, and runs that exist from the moment they are requested.

-- A key is shown once, when it is created; only its SHA-256 is kept (see src/db/keys.ts for why
-- a fast hash is enough for a 256-bit random key).
CREATE TABLE api_keys (
  id         TEXT PRIMARY KEY,                   -- public, e.g. key_3f9a1c2b; appears in the audit log
  hash       TEXT NOT NULL UNIQUE,               -- hex SHA-256 of the whole key
  role       TEXT NOT NULL CHECK (role IN ('admin', 'editor')),
  name       TEXT NOT NULL,                      -- who holds it
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  revoked_at TEXT
);

-- Every admin action, by whom. Append-only: a trigger refuses updates and deletes.
CREATE TABLE audit_log (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  actor_id   TEXT NOT NULL,                      -- a key id, 'bootstrap' (ADMIN_TOKEN) or 'cli'
  actor_name TEXT NOT NULL,
  actor_role TEXT NOT NULL,
  action     TEXT NOT NULL,                      -- e.g. key.create, source.update, override.revert
  subject    TEXT,                               -- what it acted on, e.g. source:gmpp-2024-25
  detail     TEXT                                -- JSON: what changed
);
CREATE INDEX audit_by_subject ON audit_log (subject, id);

CREATE TRIGGER audit_log_refuses_updates BEFORE UPDATE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_log_refuses_deletes BEFORE DELETE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'the audit log is append-only');
END;

-- An editor's correction of one rating: shown beside the scraped value, which is never changed.
-- At most one override per rating is in force; a revert (or a newer override) ends it, and the
-- row keeps both.
CREATE TABLE overrides (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  scorecard_id  TEXT NOT NULL REFERENCES scorecards (id),
  commitment_id TEXT NOT NULL REFERENCES commitments (id),
  dimension     TEXT NOT NULL,
  label         TEXT NOT NULL,
  vocabulary    TEXT NOT NULL,
  band          TEXT NOT NULL,
  score         INTEGER,
  reason        TEXT NOT NULL,
  evidence_url  TEXT NOT NULL,
  created_by    TEXT NOT NULL,                   -- the key's name (its id is in the audit log)
  created_at    TEXT NOT NULL,
  reverted_by   TEXT,
  reverted_at   TEXT,
  revert_reason TEXT
);
CREATE UNIQUE INDEX overrides_in_force ON overrides (scorecard_id, commitment_id, dimension) WHERE reverted_at IS NULL;
CREATE INDEX overrides_by_commitment ON overrides (commitment_id, id);

-- An override may only be ended, once; what it said is never rewritten.
CREATE TRIGGER overrides_are_only_reverted BEFORE UPDATE ON overrides
WHEN OLD.reverted_at IS NOT NULL OR NEW.reverted_at IS NULL
  OR NEW.label IS NOT OLD.label OR NEW.band IS NOT OLD.band OR NEW.score IS NOT OLD.score
  OR NEW.reason IS NOT OLD.reason OR NEW.evidence_url IS NOT OLD.evidence_url
  OR NEW.created_by IS NOT OLD.created_by OR NEW.created_at IS NOT OLD.created_at
  OR NEW.scorecard_id IS NOT OLD.scorecard_id OR NEW.commitment_id IS NOT OLD.commitment_id
  OR NEW.dimension IS NOT OLD.dimension
BEGIN
  SELECT RAISE(ABORT, 'an override can only be reverted, once');
END;
CREATE TRIGGER overrides_are_never_deleted BEFORE DELETE ON overrides
BEGIN
  SELECT RAISE(ABORT, 'overrides are never deleted');
END;

-- Readers' error reports. Untrusted text: stored and served as JSON strings, never as HTML.
-- The reader's address is used for rate limiting only and is not stored.
CREATE TABLE reports (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  commitment_id TEXT NOT NULL REFERENCES commitments (id),
  dimension     TEXT,
  message       TEXT NOT NULL,
  contact       TEXT,
  status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved', 'rejected')),
  note          TEXT,
  created_at    TEXT NOT NULL,
  triaged_at    TEXT,
  triaged_by    TEXT
);
CREATE INDEX reports_by_status ON reports (status, id);

-- Subscribers to change events. The secret signs every delivery (HMAC-SHA256), so it is kept.
CREATE TABLE webhooks (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  url         TEXT NOT NULL,
  secret      TEXT NOT NULL,
  filters     TEXT NOT NULL DEFAULT '{}',        -- JSON: rule, source, scorecard, dimension, direction
  enabled     INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  created_by  TEXT NOT NULL,
  created_at  TEXT NOT NULL
);

-- One change sent to one webhook: its attempts, and how it ended. A redelivery is a new row.
CREATE TABLE webhook_deliveries (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  webhook_id      INTEGER NOT NULL REFERENCES webhooks (id),
  -- No foreign key: a reprocess deletes and rebuilds change events, and must not be blocked by
  -- deliveries already made (an attempt at a delivery whose change is gone is marked failed).
  change_id       INTEGER NOT NULL,
  redelivery_of   INTEGER REFERENCES webhook_deliveries (id),
  status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  last_status     INTEGER,                       -- the receiver's HTTP status, if it answered
  last_error      TEXT,
  created_at      TEXT NOT NULL,
  last_attempt_at TEXT,
  next_attempt_at TEXT,
  finished_at     TEXT
);
CREATE INDEX deliveries_by_webhook ON webhook_deliveries (webhook_id, id);
CREATE UNIQUE INDEX deliveries_once ON webhook_deliveries (webhook_id, change_id) WHERE redelivery_of IS NULL;

-- A run requested over the API exists, as 'queued', from the moment it is accepted, so that its
-- id can be returned at once. SQLite cannot change a CHECK constraint in place: rebuild `runs`
-- (the documented way: foreign keys from snapshots, observations and changes are checked at
-- the end, when `runs` exists again under its name).
PRAGMA defer_foreign_keys = true;
CREATE TABLE runs_new (
  id                 INTEGER PRIMARY KEY AUTOINCREMENT,
  source_id          TEXT NOT NULL REFERENCES sources (id),
  trigger            TEXT NOT NULL,
  started_at         TEXT NOT NULL,              -- for a queued run: when it was requested
  finished_at        TEXT,
  outcome            TEXT NOT NULL DEFAULT 'running'
                     CHECK (outcome IN ('queued', 'running', 'ok', 'unchanged', 'failed', 'drift', 'deferred')),
  snapshot_id        INTEGER REFERENCES snapshots (id),
  commitments_seen   INTEGER,
  observations_added INTEGER,
  changes_added      INTEGER,
  error              TEXT,
  failed_check       TEXT
);
INSERT INTO runs_new (id, source_id, trigger, started_at, finished_at, outcome, snapshot_id, commitments_seen,
                      observations_added, changes_added, error, failed_check)
SELECT id, source_id, trigger, started_at, finished_at, outcome, snapshot_id, commitments_seen,
       observations_added, changes_added, error, failed_check FROM runs;
DROP TABLE runs;
ALTER TABLE runs_new RENAME TO runs;
CREATE INDEX runs_by_source ON runs (source_id, id);
