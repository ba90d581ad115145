-- Newsroom corrections are change events in /v1/changes: an override made (at created_at) and
-- one reverted (at reverted_at), read newest first from these indexes and merged with the rest.
CREATE INDEX overrides_by_created_at ON overrides (created_at, id);
CREATE INDEX overrides_by_reverted_at ON overrides (reverted_at, id) WHERE reverted_at IS NOT NULL;
CREATE INDEX overrides_by_scorecard ON overrides (scorecard_id, id);
