-- Webhook deliveries are recorded in D1 before they are queued, and a run records when its
-- change events were fanned out. The scheduled tick finds what a failed fan-out or a lost queue
-- message left behind: runs with changes never fanned out, and pending deliveries long overdue.
ALTER TABLE runs ADD COLUMN webhooks_queued_at TEXT;
CREATE INDEX runs_awaiting_webhooks ON runs (finished_at) WHERE webhooks_queued_at IS NULL AND changes_added > 0;
CREATE INDEX deliveries_pending ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
-- A run's change events, read to fan them out (changeEventsOfRun), without scanning every event.
CREATE INDEX changes_by_run ON changes (run_id, id);
