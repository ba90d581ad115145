-- Indexes for the read API's queries (issue 11: EXPLAIN QUERY PLAN is checked by
-- test/query-plans.integration.test.ts).
-- A commitment's scorecards: its detail, its history and the deadline events of /v1/changes look
-- them up by commitment, which the (scorecard_id, commitment_id) key cannot serve.
CREATE INDEX scorecard_commitments_by_commitment ON scorecard_commitments (commitment_id, scorecard_id);
