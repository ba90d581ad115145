-- A reprocess that finds a snapshot's archived document gone records when it first noticed, so
-- that the observations it keeps from that document are served as no longer re-readable.
ALTER TABLE snapshots ADD COLUMN archive_missing_since TEXT;
