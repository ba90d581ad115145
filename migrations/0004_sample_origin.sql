-- Honest samples: where each fetched document came from, and whether it is a reconstructed
-- sample rather than a copy of what the publisher published.

-- `live`: fetched from the publisher. `seed-archive`: answered from the local seed archive
-- (FETCH_MODE=replay, local only). Production always fetches live.
ALTER TABLE snapshots ADD COLUMN origin TEXT NOT NULL DEFAULT 'live' CHECK (origin IN ('live', 'seed-archive'));
-- 1: the seeds mark this document a reconstructed sample (`sample: true` in seeds/sources.json).
ALTER TABLE snapshots ADD COLUMN sample INTEGER NOT NULL DEFAULT 0 CHECK (sample IN (0, 1));

-- The extract-step document the scorecard's current data was last applied from (by a scrape or
-- a reprocess). The scorecard is a sample if that document, or one its rule followed to reach
-- it in the same run, is a sample.
ALTER TABLE scorecards ADD COLUMN snapshot_id INTEGER REFERENCES snapshots (id);

-- Scorecards recorded before this migration: the document of their latest observation.
UPDATE scorecards SET snapshot_id = (
  SELECT o.snapshot_id FROM observations o WHERE o.scorecard_id = scorecards.id ORDER BY o.id DESC LIMIT 1);
