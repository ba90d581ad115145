// The audit log: every admin action, by whom. Append-only (triggers refuse updates and deletes).

export interface Actor {
  /** A key id, "bootstrap" for the ADMIN_TOKEN, or "cli". */
  id: string;
  name: string;
  role: "admin" | "editor";
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: { id: string; name: string; role: string };
  action: string;
  subject: string | null;
  detail: unknown;
}

/** The statement that records one action; callers batch it with the action's own writes. */
export function auditStatement(
  db: D1Database,
  actor: Actor,
  action: string,
  subject: string | null,
  detail: unknown,
  at: string = new Date().toISOString(),
): D1PreparedStatement {
  return db
    .prepare(
      "INSERT INTO audit_log (at, actor_id, actor_name, actor_role, action, subject, detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(at, actor.id, actor.name, actor.role, action, subject, detail === undefined ? null : JSON.stringify(detail));
}

/**
 * The same, for an action whose subject is the row the statement before it in a batch inserted:
 * `subject` is `<prefix>:<that row's id>` (a batch is one transaction on one connection).
 */
export function auditLastInsertStatement(
  db: D1Database,
  actor: Actor,
  action: string,
  prefix: string,
  detail: unknown,
  at: string = new Date().toISOString(),
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO audit_log (at, actor_id, actor_name, actor_role, action, subject, detail)
       VALUES (?, ?, ?, ?, ?, ? || ':' || last_insert_rowid(), ?)`,
    )
    .bind(at, actor.id, actor.name, actor.role, action, prefix, JSON.stringify(detail));
}

interface AuditRow {
  id: number;
  at: string;
  actor_id: string;
  actor_name: string;
  actor_role: string;
  action: string;
  subject: string | null;
  detail: string | null;
}

/** Newest first; `before` pages back by id. */
export async function listAudit(
  db: D1Database,
  query: { limit: number; before?: number | undefined; action?: string | undefined; subject?: string | undefined },
): Promise<AuditEntry[]> {
  const { results } = await db
    .prepare(
      `SELECT * FROM audit_log WHERE (?1 IS NULL OR id < ?1) AND (?2 IS NULL OR action = ?2) AND (?3 IS NULL OR subject = ?3)
       ORDER BY id DESC LIMIT ?4`,
    )
    .bind(query.before ?? null, query.action ?? null, query.subject ?? null, query.limit)
    .all<AuditRow>();
  return results.map((r) => ({
    id: r.id,
    at: r.at,
    actor: { id: r.actor_id, name: r.actor_name, role: r.actor_role },
    action: r.action,
    subject: r.subject,
    detail: r.detail === null ? null : (JSON.parse(r.detail) as unknown),
  }));
}
