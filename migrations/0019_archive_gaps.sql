-- A source's health says how many of its archived documents are gone from R2 (marked by a
-- reprocess, 0013) and since when: read per source without scanning every snapshot.
CREATE INDEX snapshots_archive_missing ON snapshots (source_id, archive_key, archive_missing_since)
  WHERE archive_missing_since IS NOT NULL;
