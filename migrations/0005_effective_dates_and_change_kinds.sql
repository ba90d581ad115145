-- Two times, never confused, and change events that follow levels.
--
-- `observed_at` is when Scorecard fetched the evidence; `effective_on` (YYYY-MM-DD) is when the
-- rating took effect as the publisher states it: a row's own "as at" date where the page gives
-- one, else the document's publication date, else the end of the period it rates (a GMPP
-- year's ratings are effective on 31 March at its end), else the day it was observed.

ALTER TABLE observations ADD COLUMN effective_on TEXT;

-- Observations are append-only; this one-off backfill lifts the guard and puts it back.
DROP TRIGGER observations_are_append_only;
UPDATE observations SET effective_on = COALESCE(
  (SELECT CASE
            WHEN s.period GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]'
              THEN printf('%04d-03-31', CAST(substr(s.period, 1, 4) AS INTEGER) + 1)
            ELSE s.published_on
          END
     FROM scorecards s WHERE s.id = observations.scorecard_id),
  substr(observed_at, 1, 10));
CREATE TRIGGER observations_are_append_only
BEFORE UPDATE ON observations
BEGIN
  SELECT RAISE(ABORT, 'observations are append-only');
END;
CREATE INDEX observations_by_effective ON observations (scorecard_id, effective_on, id);

-- A change event is one of:
--   moved         a rating moved to another level (band_changed says whether its colour band moved too)
--   first-rating  a subject rated for the first time (from_* is the not-rated observation before it, or NULL)
--   removed       a commitment left its scorecard's publication (dimension, from_* and to_* are NULL)
--   returned      it came back
CREATE TABLE changes_new (
  id                  INTEGER PRIMARY KEY AUTOINCREMENT,
  scorecard_id        TEXT NOT NULL REFERENCES scorecards (id),
  commitment_id       TEXT REFERENCES commitments (id),
  kind                TEXT NOT NULL DEFAULT 'moved'
                      CHECK (kind IN ('moved', 'first-rating', 'removed', 'returned')),
  dimension           TEXT,
  from_label          TEXT,
  from_band           TEXT,
  to_label            TEXT,
  to_band             TEXT,
  band_changed        INTEGER NOT NULL DEFAULT 1 CHECK (band_changed IN (0, 1)),
  from_observation_id INTEGER REFERENCES observations (id),
  to_observation_id   INTEGER REFERENCES observations (id),
  changed_at          TEXT NOT NULL,                -- observed: when the run that saw it fetched its evidence
  effective_on        TEXT,                         -- as the publisher dates it (see observations.effective_on)
  run_id              INTEGER NOT NULL REFERENCES runs (id)
);
INSERT INTO changes_new (id, scorecard_id, commitment_id, kind, dimension, from_label, from_band, to_label, to_band,
                         band_changed, from_observation_id, to_observation_id, changed_at, effective_on, run_id)
SELECT c.id, c.scorecard_id, c.commitment_id, 'moved', c.dimension, c.from_label, c.from_band, c.to_label, c.to_band,
       1, c.from_observation_id, c.to_observation_id, c.changed_at,
       (SELECT o.effective_on FROM observations o WHERE o.id = c.to_observation_id), c.run_id
  FROM changes c;
DROP TABLE changes;
ALTER TABLE changes_new RENAME TO changes;
CREATE INDEX changes_by_commitment ON changes (commitment_id, id);
CREATE INDEX changes_by_scorecard ON changes (scorecard_id, id);
CREATE INDEX changes_by_time ON changes (changed_at, id);
