-- Full-text search over commitments (`GET /v1/commitments?q=`), with SQLite FTS5 as D1 provides it.
--
-- The index is kept in step by triggers, so that every write path (a run, a reprocess, an
-- import) keeps it current without knowing it exists. A row's rowid is its commitment's rowid,
-- which an upsert keeps. The porter stemmer lets "waiting" find "wait"; diacritics are folded.
CREATE VIRTUAL TABLE commitments_fts USING fts5(
  text,
  policy_area,
  key,
  tokenize = 'porter unicode61 remove_diacritics 2'
);

INSERT INTO commitments_fts (rowid, text, policy_area, key)
SELECT rowid, text, coalesce(policy_area, ''), key FROM commitments;

CREATE TRIGGER commitments_fts_insert AFTER INSERT ON commitments
BEGIN
  INSERT INTO commitments_fts (rowid, text, policy_area, key)
  VALUES (new.rowid, new.text, coalesce(new.policy_area, ''), new.key);
END;

CREATE TRIGGER commitments_fts_update AFTER UPDATE OF text, policy_area, key ON commitments
WHEN old.text IS NOT new.text OR old.policy_area IS NOT new.policy_area OR old.key IS NOT new.key
BEGIN
  DELETE FROM commitments_fts WHERE rowid = old.rowid;
  INSERT INTO commitments_fts (rowid, text, policy_area, key)
  VALUES (new.rowid, new.text, coalesce(new.policy_area, ''), new.key);
END;

CREATE TRIGGER commitments_fts_delete AFTER DELETE ON commitments
BEGIN
  DELETE FROM commitments_fts WHERE rowid = old.rowid;
END;

-- A commitment's ratings as they stood on a date (`as_of` follows effective_on).
CREATE INDEX observations_by_commitment_effective ON observations (commitment_id, dimension, effective_on, id);
