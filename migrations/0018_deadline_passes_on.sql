-- The day a commitment's deadline passes (domain/deadlines.ts, deadlinePassesOn): the day after
-- the last day its target date covers ("2030" → 2031-01-01, "2025-03" → 2025-04-01,
-- "2025-03-14" → 2025-03-15; null for anything else, "2025-02-30" included). Generated, so that
-- every write path agrees; indexed, so that the change feed walks passed deadlines newest first
-- instead of reading every dated commitment. test/deadlines.unit.test.ts holds this expression
-- to the domain's function.
ALTER TABLE commitments ADD COLUMN deadline_passes_on TEXT GENERATED ALWAYS AS (
  CASE
    WHEN target_date GLOB '[0-9][0-9][0-9][0-9]' THEN date(target_date || '-12-31', '+1 day')
    WHEN target_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]' AND substr(target_date, 6, 2) BETWEEN '01' AND '12'
      THEN date(target_date || '-01', '+1 month')
    WHEN target_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' AND date(target_date, '+0 days') = target_date
      THEN date(target_date, '+1 day')
  END
) VIRTUAL;
CREATE INDEX commitments_by_deadline ON commitments (deadline_passes_on, id) WHERE deadline_passes_on IS NOT NULL;
