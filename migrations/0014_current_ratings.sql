-- Reads at scale (issue 11): two tables derived from observations, so that "rated red now" and
-- "the commitments of this rule's scorecards" are index searches instead of a pass over every
-- observation. Triggers keep them in step, so every write path (a run, a reprocess, an import)
-- keeps them exact without knowing they exist, in the same statement as the observation it
-- writes or deletes; rebuildCurrentRatings (src/db/current.ts) recomputes them from observations.
-- Backups leave them out: an import's observations rebuild them.

-- Each commitment's current rating on each dimension: its latest observation by effective date,
-- then by id (as matchCommitments has always ranked them).
CREATE TABLE current_ratings (
  commitment_id  TEXT NOT NULL,
  dimension      TEXT NOT NULL,
  observation_id INTEGER NOT NULL,
  effective_on   TEXT NOT NULL,
  band           TEXT NOT NULL,
  vocabulary     TEXT NOT NULL,
  score          INTEGER,
  PRIMARY KEY (commitment_id, dimension)
) WITHOUT ROWID;
CREATE INDEX current_ratings_by_band ON current_ratings (dimension, band, commitment_id);
CREATE INDEX current_ratings_by_any_band ON current_ratings (band, commitment_id);
CREATE INDEX current_ratings_by_vocabulary ON current_ratings (vocabulary, commitment_id);

-- Every (scorecard, commitment) an observation names, with the earliest day one took effect:
-- with scorecard_commitments, the commitments a scorecard holds or held (as of a day).
CREATE TABLE observed_memberships (
  commitment_id      TEXT NOT NULL,
  scorecard_id       TEXT NOT NULL,
  first_effective_on TEXT NOT NULL,
  PRIMARY KEY (commitment_id, scorecard_id)
) WITHOUT ROWID;
CREATE INDEX observed_memberships_by_scorecard ON observed_memberships (scorecard_id, commitment_id);

INSERT INTO current_ratings (commitment_id, dimension, observation_id, effective_on, band, vocabulary, score)
SELECT commitment_id, dimension, id, effective, band, vocabulary, score FROM (
  SELECT o.commitment_id, o.dimension, o.id, o.band, o.vocabulary, o.score,
         coalesce(o.effective_on, substr(o.observed_at, 1, 10)) AS effective,
         row_number() OVER (PARTITION BY o.commitment_id, o.dimension
                            ORDER BY coalesce(o.effective_on, substr(o.observed_at, 1, 10)) DESC, o.id DESC) AS n
  FROM observations o WHERE o.commitment_id IS NOT NULL)
WHERE n = 1;

INSERT INTO observed_memberships (commitment_id, scorecard_id, first_effective_on)
SELECT commitment_id, scorecard_id, min(coalesce(effective_on, substr(observed_at, 1, 10)))
FROM observations WHERE commitment_id IS NOT NULL GROUP BY commitment_id, scorecard_id;

CREATE TRIGGER derived_ratings_on_insert AFTER INSERT ON observations WHEN new.commitment_id IS NOT NULL
BEGIN
  INSERT INTO current_ratings (commitment_id, dimension, observation_id, effective_on, band, vocabulary, score)
  VALUES (new.commitment_id, new.dimension, new.id, coalesce(new.effective_on, substr(new.observed_at, 1, 10)),
          new.band, new.vocabulary, new.score)
  ON CONFLICT (commitment_id, dimension) DO UPDATE SET
    observation_id = excluded.observation_id, effective_on = excluded.effective_on, band = excluded.band,
    vocabulary = excluded.vocabulary, score = excluded.score
  WHERE excluded.effective_on > current_ratings.effective_on
     OR (excluded.effective_on = current_ratings.effective_on AND excluded.observation_id > current_ratings.observation_id);
  INSERT INTO observed_memberships (commitment_id, scorecard_id, first_effective_on)
  VALUES (new.commitment_id, new.scorecard_id, coalesce(new.effective_on, substr(new.observed_at, 1, 10)))
  ON CONFLICT (commitment_id, scorecard_id) DO UPDATE SET first_effective_on = excluded.first_effective_on
  WHERE excluded.first_effective_on < observed_memberships.first_effective_on;
END;

-- A deleted observation (a reprocess rebuilding a source) that was current, or the earliest of
-- its membership, is replaced by the next from what remains; the others change nothing.
CREATE TRIGGER derived_ratings_on_delete AFTER DELETE ON observations WHEN old.commitment_id IS NOT NULL
BEGIN
  DELETE FROM current_ratings
  WHERE commitment_id = old.commitment_id AND dimension = old.dimension AND observation_id = old.id;
  INSERT INTO current_ratings (commitment_id, dimension, observation_id, effective_on, band, vocabulary, score)
  SELECT o.commitment_id, o.dimension, o.id, coalesce(o.effective_on, substr(o.observed_at, 1, 10)), o.band, o.vocabulary, o.score
  FROM observations o
  WHERE o.commitment_id = old.commitment_id AND o.dimension = old.dimension
    AND NOT EXISTS (SELECT 1 FROM current_ratings r WHERE r.commitment_id = old.commitment_id AND r.dimension = old.dimension)
  ORDER BY coalesce(o.effective_on, substr(o.observed_at, 1, 10)) DESC, o.id DESC LIMIT 1;
  DELETE FROM observed_memberships
  WHERE commitment_id = old.commitment_id AND scorecard_id = old.scorecard_id
    AND first_effective_on = coalesce(old.effective_on, substr(old.observed_at, 1, 10));
  INSERT INTO observed_memberships (commitment_id, scorecard_id, first_effective_on)
  SELECT old.commitment_id, old.scorecard_id, min(coalesce(o.effective_on, substr(o.observed_at, 1, 10)))
  FROM observations o
  WHERE o.scorecard_id = old.scorecard_id AND o.commitment_id = old.commitment_id
    AND NOT EXISTS (SELECT 1 FROM observed_memberships m WHERE m.commitment_id = old.commitment_id AND m.scorecard_id = old.scorecard_id)
  HAVING count(*) > 0;
END;

-- The changes page of one scorecard or one commitment, newest first, read in index order.
CREATE INDEX changes_by_scorecard_time ON changes (scorecard_id, changed_at, id);
CREATE INDEX changes_by_commitment_time ON changes (commitment_id, changed_at, id);
-- `updated_since`: the commitments observed at or after an instant.
CREATE INDEX observations_by_observed ON observations (observed_at, commitment_id);
