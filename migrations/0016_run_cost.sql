-- What each run cost (issue 11), so that a scheduled cycle is judged from its own records: wall
-- time from start to its closing batch, the part of it spent fetching, and the D1 statements it
-- ran. Workers do not show CPU time to the code, so wall time it is. NULL for runs before this.
ALTER TABLE runs ADD COLUMN duration_ms INTEGER;
ALTER TABLE runs ADD COLUMN fetch_ms INTEGER;
ALTER TABLE runs ADD COLUMN d1_statements INTEGER;
