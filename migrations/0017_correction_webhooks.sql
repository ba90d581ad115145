-- Newsroom corrections reach webhooks as the publisher's change events do. A delivery's subject
-- is either a change event (change_id) or a correction: an override made or reverted
-- (override_id and override_event). SQLite cannot drop a NOT NULL in place: rebuild the table
-- the documented way, keeping every row and id.
PRAGMA defer_foreign_keys = true;
CREATE TABLE webhook_deliveries_new (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  webhook_id      INTEGER NOT NULL REFERENCES webhooks (id),
  -- No foreign key: a reprocess deletes and rebuilds change events, and must not be blocked by
  -- deliveries already made (an attempt at a delivery whose change is gone is marked failed).
  change_id       INTEGER,
  override_id     INTEGER REFERENCES overrides (id),
  override_event  TEXT CHECK (override_event IN ('corrected', 'correction-reverted')),
  redelivery_of   INTEGER REFERENCES webhook_deliveries (id),
  status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  last_status     INTEGER,                       -- the receiver's HTTP status, if it answered
  last_error      TEXT,
  created_at      TEXT NOT NULL,
  last_attempt_at TEXT,
  next_attempt_at TEXT,
  finished_at     TEXT,
  CHECK ((change_id IS NULL) = (override_id IS NOT NULL) AND (override_id IS NULL) = (override_event IS NULL))
);
INSERT INTO webhook_deliveries_new (id, webhook_id, change_id, redelivery_of, status, attempts, last_status,
                                    last_error, created_at, last_attempt_at, next_attempt_at, finished_at)
  SELECT id, webhook_id, change_id, redelivery_of, status, attempts, last_status,
         last_error, created_at, last_attempt_at, next_attempt_at, finished_at
  FROM webhook_deliveries;
DROP TABLE webhook_deliveries;
ALTER TABLE webhook_deliveries_new RENAME TO webhook_deliveries;
CREATE INDEX deliveries_by_webhook ON webhook_deliveries (webhook_id, id);
CREATE UNIQUE INDEX deliveries_once ON webhook_deliveries (webhook_id, change_id)
  WHERE redelivery_of IS NULL AND change_id IS NOT NULL;
CREATE UNIQUE INDEX correction_deliveries_once ON webhook_deliveries (webhook_id, override_id, override_event)
  WHERE redelivery_of IS NULL AND override_id IS NOT NULL;
CREATE INDEX deliveries_pending ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
