// Readers' error reports: untrusted text, stored as given and served only as JSON strings.
import { type Actor, auditStatement } from "./audit.ts";

export type ReportStatus = "open" | "resolved" | "rejected";

export interface ReportRow {
  id: number;
  commitment_id: string;
  dimension: string | null;
  message: string;
  contact: string | null;
  status: ReportStatus;
  note: string | null;
  created_at: string;
  triaged_at: string | null;
  triaged_by: string | null;
}

export async function insertReport(
  db: D1Database,
  report: { commitment: string; dimension: string | null; message: string; contact: string | null; at: string },
): Promise<number> {
  const row = await db
    .prepare(
      "INSERT INTO reports (commitment_id, dimension, message, contact, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(report.commitment, report.dimension, report.message, report.contact, report.at)
    .first<{ id: number }>();
  if (!row) throw new Error("could not record the report");
  return row.id;
}

/** The dimensions a commitment has been rated on, in any scorecard. */
export async function dimensionsOf(db: D1Database, commitmentId: string): Promise<string[]> {
  const { results } = await db
    .prepare("SELECT DISTINCT dimension FROM observations WHERE commitment_id = ? ORDER BY dimension")
    .bind(commitmentId)
    .all<{ dimension: string }>();
  return results.map((r) => r.dimension);
}

export async function listReports(
  db: D1Database,
  query: { status?: ReportStatus | undefined; commitment?: string | undefined; limit: number; offset: number },
): Promise<{ reports: ReportRow[]; total: number }> {
  const where = "(?1 IS NULL OR status = ?1) AND (?2 IS NULL OR commitment_id = ?2)";
  const [rows, count] = await db.batch([
    db
      .prepare(`SELECT * FROM reports WHERE ${where} ORDER BY id DESC LIMIT ?3 OFFSET ?4`)
      .bind(query.status ?? null, query.commitment ?? null, query.limit, query.offset),
    db
      .prepare(`SELECT count(*) AS total FROM reports WHERE ${where}`)
      .bind(query.status ?? null, query.commitment ?? null),
  ]);
  return { reports: rows!.results as ReportRow[], total: (count!.results[0] as { total: number }).total };
}

export async function getReport(db: D1Database, id: number): Promise<ReportRow | null> {
  return db.prepare("SELECT * FROM reports WHERE id = ?").bind(id).first<ReportRow>();
}

/** Resolves or rejects a report (or reopens it), with a note, recording who did it. */
export async function triageReport(
  db: D1Database,
  id: number,
  triage: { status: ReportStatus; note: string | null; at: string },
  actor: Actor,
): Promise<ReportRow | null> {
  const [updated] = await db.batch([
    db
      .prepare("UPDATE reports SET status = ?, note = ?, triaged_at = ?, triaged_by = ? WHERE id = ? RETURNING *")
      .bind(triage.status, triage.note, triage.at, actor.name, id),
    auditStatement(db, actor, "report.triage", `report:${id}`, { status: triage.status, note: triage.note }, triage.at),
  ]);
  return (updated!.results[0] as ReportRow | undefined) ?? null;
}
