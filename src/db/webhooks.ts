// Webhooks: subscribers to change events, and every delivery made to them.
import { listCorrections, type CorrectionRow } from "./changes.ts";

export interface WebhookFilters {
  rule?: string | undefined;
  source?: string | undefined;
  scorecard?: string | undefined;
  dimension?: string | undefined;
  /** `better`: the score rose; `worse`: it fell (as on /v1/changes; moves between levels only). */
  direction?: "better" | "worse" | undefined;
  kind?: "moved" | "first-rating" | "removed" | "returned" | CorrectionKind | undefined;
}

/** A newsroom correction's two events: an override made, and an override reverted. */
export type CorrectionKind = "corrected" | "correction-reverted";

export interface WebhookRow {
  id: number;
  url: string;
  secret: string;
  filters: WebhookFilters;
  enabled: boolean;
  created_by: string;
  created_at: string;
}

export type DeliveryStatus = "pending" | "delivered" | "failed";

export interface DeliveryRow {
  id: number;
  webhook_id: number;
  /** The delivery's subject: a publisher's change event, or else a correction's event. */
  change_id: number | null;
  override_id: number | null;
  override_event: CorrectionKind | null;
  redelivery_of: number | null;
  status: DeliveryStatus;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  created_at: string;
  last_attempt_at: string | null;
  next_attempt_at: string | null;
  finished_at: string | null;
}

/** A change event as a webhook receives it: the publisher's (from a run), or a newsroom correction. */
export interface ChangeEvent {
  /** The stored change event's id; null for a correction, which `correction.override_id` names. */
  id: number | null;
  kind: string;
  rule_id: string;
  source_id: string;
  scorecard_id: string;
  commitment_id: string | null;
  dimension: string | null;
  from: { label: string; band: string; score: number | null } | null;
  to: { label: string; band: string; score: number | null } | null;
  band_changed: boolean;
  direction: "better" | "worse" | null;
  changed_at: string;
  effective_on: string | null;
  run_id: number | null;
  correction: {
    override_id: number;
    by: string;
    reason: string;
    evidence_url: string;
    revert_reason: string | null;
  } | null;
}

type StoredWebhook = Omit<WebhookRow, "filters" | "enabled"> & { filters: string; enabled: number };
const webhookOf = (row: StoredWebhook): WebhookRow => ({
  ...row,
  filters: JSON.parse(row.filters) as WebhookFilters,
  enabled: row.enabled === 1,
});

export async function insertWebhook(
  db: D1Database,
  hook: { url: string; secret: string; filters: WebhookFilters; createdBy: string; createdAt: string },
  audit: (id: number) => D1PreparedStatement,
): Promise<WebhookRow> {
  const row = await db
    .prepare("INSERT INTO webhooks (url, secret, filters, created_by, created_at) VALUES (?, ?, ?, ?, ?) RETURNING *")
    .bind(hook.url, hook.secret, JSON.stringify(hook.filters), hook.createdBy, hook.createdAt)
    .first<StoredWebhook>();
  if (!row) throw new Error("could not record the webhook");
  await audit(row.id).run();
  return webhookOf(row);
}

export async function getWebhook(db: D1Database, id: number): Promise<WebhookRow | null> {
  const row = await db.prepare("SELECT * FROM webhooks WHERE id = ?").bind(id).first<StoredWebhook>();
  return row ? webhookOf(row) : null;
}

export async function listWebhooks(db: D1Database, options: { enabledOnly?: boolean } = {}): Promise<WebhookRow[]> {
  const { results } = await db
    .prepare("SELECT * FROM webhooks WHERE ?1 = 0 OR enabled = 1 ORDER BY id")
    .bind(options.enabledOnly ? 1 : 0)
    .all<StoredWebhook>();
  return results.map(webhookOf);
}

export async function setWebhookEnabled(
  db: D1Database,
  id: number,
  enabled: boolean,
  audit: D1PreparedStatement,
): Promise<WebhookRow | null> {
  const [updated] = await db.batch([
    db.prepare("UPDATE webhooks SET enabled = ? WHERE id = ? RETURNING *").bind(enabled ? 1 : 0, id),
    audit,
  ]);
  const row = updated!.results[0] as StoredWebhook | undefined;
  return row ? webhookOf(row) : null;
}

const CHANGE_EVENT_SELECT = `
  SELECT c.id, c.kind, src.rule_id, s.source_id, c.scorecard_id, c.commitment_id, c.dimension,
         c.from_label, c.from_band, fo.score AS from_score, c.to_label, c.to_band, too.score AS to_score,
         c.band_changed, c.changed_at, c.effective_on, c.run_id
  FROM changes c
  JOIN scorecards s ON s.id = c.scorecard_id
  JOIN sources src ON src.id = s.source_id
  LEFT JOIN observations fo ON fo.id = c.from_observation_id
  LEFT JOIN observations too ON too.id = c.to_observation_id`;

interface ChangeEventRow {
  id: number;
  kind: string;
  rule_id: string;
  source_id: string;
  scorecard_id: string;
  commitment_id: string | null;
  dimension: string | null;
  from_label: string | null;
  from_band: string | null;
  from_score: number | null;
  to_label: string | null;
  to_band: string | null;
  to_score: number | null;
  band_changed: number;
  changed_at: string;
  effective_on: string | null;
  run_id: number;
}

const side = (label: string | null, band: string | null, score: number | null) =>
  label === null || band === null ? null : { label, band, score };

const directionOf = (from: number | null | undefined, to: number | null | undefined) =>
  from == null || to == null || from === to ? null : to > from ? "better" : "worse";

/** A publisher's change event, stored by a run. */
type StoredChangeEvent = ChangeEvent & { id: number; run_id: number };

function changeEventOf(r: ChangeEventRow): StoredChangeEvent {
  return {
    id: r.id,
    kind: r.kind,
    rule_id: r.rule_id,
    source_id: r.source_id,
    scorecard_id: r.scorecard_id,
    commitment_id: r.commitment_id,
    dimension: r.dimension,
    from: side(r.from_label, r.from_band, r.from_score),
    to: side(r.to_label, r.to_band, r.to_score),
    band_changed: r.band_changed === 1,
    direction: directionOf(r.from_score, r.to_score),
    changed_at: r.changed_at,
    effective_on: r.effective_on,
    run_id: r.run_id,
    correction: null,
  };
}

/** A correction as a change event: from the scraped rating in force then to the newsroom's, or back. */
function correctionEventOf(r: CorrectionRow): ChangeEvent {
  const scraped = side(r.scraped_label, r.scraped_band, r.scraped_score);
  const corrected = side(r.override_label, r.override_band, r.override_score);
  const [from, to] = r.kind === "corrected" ? [scraped, corrected] : [corrected, scraped];
  return {
    id: null,
    kind: r.kind,
    rule_id: r.rule_id,
    source_id: r.source_id,
    scorecard_id: r.scorecard_id,
    commitment_id: r.commitment_id,
    dimension: r.dimension,
    from,
    to,
    band_changed: from?.band !== to?.band,
    direction: directionOf(from?.score, to?.score),
    changed_at: r.changed_at,
    effective_on: r.changed_at.slice(0, 10),
    run_id: null,
    correction: {
      override_id: r.override_id,
      by: r.by_name,
      reason: r.reason,
      evidence_url: r.evidence_url,
      revert_reason: r.revert_reason,
    },
  };
}

export async function getCorrectionEvent(
  db: D1Database,
  overrideId: number,
  kind: CorrectionKind,
): Promise<ChangeEvent | null> {
  const [row] = await listCorrections(db, { override: overrideId, kind: [kind] }, null, 1);
  return row ? correctionEventOf(row) : null;
}

/** Corrections made or reverted in [since, before), oldest first: the outbox sweep's window. */
export async function correctionsBetween(
  db: D1Database,
  since: string,
  before: string,
): Promise<{ override_id: number; kind: CorrectionKind }[]> {
  const { results } = await db
    .prepare(
      `SELECT id AS override_id, 'corrected' AS kind, created_at AS at FROM overrides
         WHERE created_at >= ?1 AND created_at < ?2
       UNION ALL
       SELECT id, 'correction-reverted', reverted_at FROM overrides WHERE reverted_at >= ?1 AND reverted_at < ?2
       ORDER BY at, override_id`,
    )
    .bind(since, before)
    .all<{ override_id: number; kind: CorrectionKind }>();
  return results.map(({ override_id, kind }) => ({ override_id, kind }));
}

export async function changeEventsOfRun(db: D1Database, runId: number): Promise<StoredChangeEvent[]> {
  const { results } = await db
    .prepare(`${CHANGE_EVENT_SELECT} WHERE c.run_id = ? ORDER BY c.id`)
    .bind(runId)
    .all<ChangeEventRow>();
  return results.map(changeEventOf);
}

export async function getChangeEvent(db: D1Database, id: number): Promise<ChangeEvent | null> {
  const row = await db.prepare(`${CHANGE_EVENT_SELECT} WHERE c.id = ?`).bind(id).first<ChangeEventRow>();
  return row ? changeEventOf(row) : null;
}

/** What one delivery sends: a stored change event, or a correction's event. */
export type DeliverySubject = { changeId: number } | { overrideId: number; overrideEvent: CorrectionKind };

/** Records deliveries to webhooks; a subject already delivered once to a webhook is skipped. Returns the new ids. */
export async function insertDeliveries(
  db: D1Database,
  pairs: ({ webhookId: number } & DeliverySubject)[],
  createdAt: string,
): Promise<number[]> {
  if (pairs.length === 0) return [];
  const { results } = await db
    .prepare(
      `INSERT INTO webhook_deliveries (webhook_id, change_id, override_id, override_event, created_at, next_attempt_at)
       SELECT j.value ->> 'webhookId', j.value ->> 'changeId', j.value ->> 'overrideId', j.value ->> 'overrideEvent', ?2, ?2
       FROM json_each(?1) j WHERE true
       ON CONFLICT DO NOTHING RETURNING id`,
    )
    .bind(JSON.stringify(pairs), createdAt)
    .all<{ id: number }>();
  return results.map((r) => r.id);
}

/** A run's change events have been fanned out to the webhooks (whether or not any wanted them). */
export async function markRunWebhooksQueued(db: D1Database, runId: number, at: string): Promise<void> {
  await db.prepare("UPDATE runs SET webhooks_queued_at = ?2 WHERE id = ?1").bind(runId, at).run();
}

/**
 * Runs that finished with change events between `since` and `before` whose fan-out never
 * completed. Not a reprocess: it rewrites, under new ids, events subscribers were told of, and only
 * its own fan-out knows which are new (their deliveries, once recorded, are sent again as any are).
 */
export async function runsAwaitingWebhooks(
  db: D1Database,
  since: string,
  before: string,
  limit: number,
): Promise<number[]> {
  const { results } = await db
    .prepare(
      `SELECT id FROM runs WHERE webhooks_queued_at IS NULL AND changes_added > 0 AND trigger != 'reprocess'
         AND finished_at >= ?1 AND finished_at < ?2 ORDER BY finished_at LIMIT ?3`,
    )
    .bind(since, before, limit)
    .all<{ id: number }>();
  return results.map((r) => r.id);
}

/**
 * Pending deliveries whose attempt was due before `before` (their queue message was lost), at
 * most `limit`, each due again at `until`, so that the next tick does not send them twice.
 */
export async function takeOverdueDeliveries(
  db: D1Database,
  before: string,
  until: string,
  limit: number,
): Promise<number[]> {
  const { results } = await db
    .prepare(
      `UPDATE webhook_deliveries SET next_attempt_at = ?2
       WHERE id IN (SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at < ?1
                    ORDER BY next_attempt_at LIMIT ?3)
       RETURNING id`,
    )
    .bind(before, until, limit)
    .all<{ id: number }>();
  return results.map((r) => r.id);
}

export async function insertRedelivery(
  db: D1Database,
  of: DeliveryRow,
  createdAt: string,
  audit: (id: number) => D1PreparedStatement,
): Promise<DeliveryRow> {
  const row = await db
    .prepare(
      `INSERT INTO webhook_deliveries (webhook_id, change_id, override_id, override_event, redelivery_of, created_at,
                                       next_attempt_at)
       VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *`,
    )
    .bind(of.webhook_id, of.change_id, of.override_id, of.override_event, of.id, createdAt, createdAt)
    .first<DeliveryRow>();
  if (!row) throw new Error("could not record the redelivery");
  await audit(row.id).run();
  return row;
}

export async function getDelivery(db: D1Database, id: number): Promise<DeliveryRow | null> {
  return db.prepare("SELECT * FROM webhook_deliveries WHERE id = ?").bind(id).first<DeliveryRow>();
}

export async function listDeliveries(
  db: D1Database,
  webhookId: number,
  page: { limit: number; offset: number },
): Promise<{ deliveries: DeliveryRow[]; total: number }> {
  const [rows, count] = await db.batch([
    db
      .prepare("SELECT * FROM webhook_deliveries WHERE webhook_id = ? ORDER BY id DESC LIMIT ? OFFSET ?")
      .bind(webhookId, page.limit, page.offset),
    db.prepare("SELECT count(*) AS total FROM webhook_deliveries WHERE webhook_id = ?").bind(webhookId),
  ]);
  return {
    deliveries: rows!.results as DeliveryRow[],
    total: (count!.results[0] as { total: number }).total,
  };
}

/** Records one attempt: delivered, failed for good, or pending until `nextAttemptAt`. */
export async function recordAttempt(
  db: D1Database,
  id: number,
  attempt: {
    at: string;
    status: DeliveryStatus;
    httpStatus: number | null;
    error: string | null;
    nextAttemptAt: string | null;
  },
): Promise<void> {
  await db
    .prepare(
      `UPDATE webhook_deliveries SET attempts = attempts + 1, last_attempt_at = ?2, status = ?3, last_status = ?4,
         last_error = ?5, next_attempt_at = ?6, finished_at = CASE WHEN ?3 = 'pending' THEN NULL ELSE ?2 END
       WHERE id = ?1`,
    )
    .bind(id, attempt.at, attempt.status, attempt.httpStatus, attempt.error, attempt.nextAttemptAt)
    .run();
}
