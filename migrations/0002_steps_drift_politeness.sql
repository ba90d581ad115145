-- Multi-step rules, drift detection and a polite fetcher.

-- Which run fetched a document, and which of its rule's steps read it.
ALTER TABLE snapshots ADD COLUMN run_id INTEGER REFERENCES runs (id);
ALTER TABLE snapshots ADD COLUMN step TEXT;
-- What earlier steps passed on to the step that read this document (JSON), e.g. a publication's title.
ALTER TABLE snapshots ADD COLUMN context TEXT;
-- The URL asked for; `url` is where the document was found, after any redirect.
ALTER TABLE snapshots ADD COLUMN requested_url TEXT;
CREATE INDEX snapshots_by_run ON snapshots (run_id);
CREATE INDEX snapshots_by_step ON snapshots (source_id, step, id);

-- For a drift run: the selector or check that failed.
ALTER TABLE runs ADD COLUMN failed_check TEXT;
ALTER TABLE sources ADD COLUMN last_failed_check TEXT;

-- The period a scorecard rates (e.g. "2024-25"), as its rule reads it; orders the scorecards
-- whose commitments are shared, such as the GMPP years.
ALTER TABLE scorecards ADD COLUMN period TEXT;

-- Where in its publication a commitment was read: a section anchor, for example.
ALTER TABLE commitments ADD COLUMN source_url TEXT;

-- robots.txt per origin, kept for a day.
CREATE TABLE robots_cache (
  origin     TEXT PRIMARY KEY,
  status     INTEGER NOT NULL,
  body       TEXT NOT NULL,
  fetched_at TEXT NOT NULL
);

-- The earliest time (epoch ms) the next request to a host may start: the minimum interval per host.
CREATE TABLE host_slots (
  host         TEXT PRIMARY KEY,
  next_slot_at INTEGER NOT NULL
);

-- One scrape or reprocess at a time per commitment scope: each reads the record, then writes.
CREATE TABLE leases (
  scope      TEXT PRIMARY KEY,
  holder     TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
