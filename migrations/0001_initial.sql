-- Scorecard's data model. Ratings are never overwritten: a rating's current value is its
-- latest observation, and its history is all of them. Timestamps are ISO 8601 UTC strings.

-- What to scrape: a rule applied to a URL on a schedule, and how that has been going.
CREATE TABLE sources (
  id                   TEXT PRIMARY KEY,
  rule_id              TEXT NOT NULL,
  url                  TEXT NOT NULL,
  title                TEXT NOT NULL,
  schedule             TEXT NOT NULL,            -- an interval: 30m, 6h, 1d, 7d
  enabled              INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  next_run_at          TEXT,                     -- NULL: due at the next tick
  last_run_at          TEXT,
  last_success_at      TEXT,
  last_outcome         TEXT,
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  last_error           TEXT,
  created_at           TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX sources_due ON sources (enabled, next_run_at);

-- One attempt to scrape one source. Inserted as 'running' before any work starts, so that a
-- run that dies half-way still leaves a row.
CREATE TABLE runs (
  id                 INTEGER PRIMARY KEY AUTOINCREMENT,
  source_id          TEXT NOT NULL REFERENCES sources (id),
  trigger            TEXT NOT NULL,              -- cron, manual, test
  started_at         TEXT NOT NULL,
  finished_at        TEXT,
  outcome            TEXT NOT NULL DEFAULT 'running'
                     CHECK (outcome IN ('running', 'ok', 'unchanged', 'failed', 'drift', 'deferred')),
  snapshot_id        INTEGER REFERENCES snapshots (id),
  commitments_seen   INTEGER,
  observations_added INTEGER,
  changes_added      INTEGER,
  error              TEXT
);
CREATE INDEX runs_by_source ON runs (source_id, id);

-- Every fetched document. The body itself lives in R2 under archive_key (its sha256).
CREATE TABLE snapshots (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  source_id     TEXT NOT NULL REFERENCES sources (id),
  url           TEXT NOT NULL,
  fetched_at    TEXT NOT NULL,
  http_status   INTEGER NOT NULL,
  etag          TEXT,
  last_modified TEXT,
  content_type  TEXT,
  sha256        TEXT NOT NULL,
  size_bytes    INTEGER NOT NULL,
  archive_key   TEXT NOT NULL
);
CREATE INDEX snapshots_by_source ON snapshots (source_id, id);

-- One evaluated publication, e.g. "Expert Panel: digitisation of the NHS (HC 780, 2023)".
-- Its own overall rating is an observation with commitment_id NULL.
CREATE TABLE scorecards (
  id            TEXT PRIMARY KEY,
  source_id     TEXT NOT NULL REFERENCES sources (id),
  key           TEXT NOT NULL,
  title         TEXT NOT NULL,
  publisher     TEXT NOT NULL,
  published_on  TEXT,
  url           TEXT NOT NULL,
  vocabulary    TEXT NOT NULL,
  first_seen_at TEXT NOT NULL,
  last_seen_at  TEXT NOT NULL,
  UNIQUE (source_id, key)
);

-- A commitment keeps its id for as long as its source keeps its key.
CREATE TABLE commitments (
  id            TEXT PRIMARY KEY,
  scope         TEXT NOT NULL,                   -- the source whose keys these are
  key           TEXT NOT NULL,
  text          TEXT NOT NULL,
  policy_area   TEXT,
  target_date   TEXT,                            -- YYYY, YYYY-MM or YYYY-MM-DD, as precise as the text
  first_seen_at TEXT NOT NULL,
  last_seen_at  TEXT NOT NULL,
  UNIQUE (scope, key)
);

CREATE TABLE scorecard_commitments (
  scorecard_id  TEXT NOT NULL REFERENCES scorecards (id),
  commitment_id TEXT NOT NULL REFERENCES commitments (id),
  position      INTEGER NOT NULL,
  PRIMARY KEY (scorecard_id, commitment_id)
);

-- Append-only: one rating as read from one snapshot. A new row is written only when the
-- verbatim label differs from the latest one for the same scorecard, commitment and dimension.
CREATE TABLE observations (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  scorecard_id  TEXT NOT NULL REFERENCES scorecards (id),
  commitment_id TEXT REFERENCES commitments (id),
  dimension     TEXT NOT NULL,
  label         TEXT NOT NULL,                   -- verbatim, as published
  vocabulary    TEXT NOT NULL,
  band          TEXT NOT NULL,
  score         INTEGER,                         -- 0 (worst) to 100 (best); NULL for states that are not ratings
  observed_at   TEXT NOT NULL,
  snapshot_id   INTEGER NOT NULL REFERENCES snapshots (id),
  run_id        INTEGER NOT NULL REFERENCES runs (id)
);
CREATE INDEX observations_by_subject ON observations (commitment_id, dimension, id);
CREATE INDEX observations_by_scorecard ON observations (scorecard_id, commitment_id, dimension, id);

CREATE TRIGGER observations_are_append_only
BEFORE UPDATE ON observations
BEGIN
  SELECT RAISE(ABORT, 'observations are append-only');
END;

-- A rating that moved from one band to another.
CREATE TABLE changes (
  id                  INTEGER PRIMARY KEY AUTOINCREMENT,
  scorecard_id        TEXT NOT NULL REFERENCES scorecards (id),
  commitment_id       TEXT REFERENCES commitments (id),
  dimension           TEXT NOT NULL,
  from_label          TEXT NOT NULL,
  from_band           TEXT NOT NULL,
  to_label            TEXT NOT NULL,
  to_band             TEXT NOT NULL,
  from_observation_id INTEGER NOT NULL REFERENCES observations (id),
  to_observation_id   INTEGER NOT NULL REFERENCES observations (id),
  changed_at          TEXT NOT NULL,
  run_id              INTEGER NOT NULL REFERENCES runs (id)
);
CREATE INDEX changes_by_commitment ON changes (commitment_id, id);
CREATE INDEX changes_by_scorecard ON changes (scorecard_id, id);
