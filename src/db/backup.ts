// Backups as JSON Lines: every table, in an order that restores (a table after those it refers
// to), every row in primary-key order, one line each, so that the same database always exports
// the same bytes. `npm run export` and `npm run import` (scripts/backup.ts) run these through the
// local D1 or `wrangler d1 execute --remote`; the round trip is tested in
// test/backup.integration.test.ts.
//
// A line is {"table":"<name>","row":{<column>:<value>,…}} with the columns in the table's own
// order. The first line is a header: {"scorecard_export":1,"tables":[…]}.

/** Runs one read-only query and returns its rows. */
export type Query = (sql: string) => Promise<Record<string, unknown>[]>;

export const EXPORT_FORMAT = 1;

/**
 * Tables derived from observations by triggers (migration 0014): left out of an export, since
 * importing the observations rebuilds them exactly.
 */
export const DERIVED_TABLES = ["current_ratings", "observed_memberships"];

/** Tables that are not data: SQLite's, D1's and wrangler's own, and full-text indexes and derived tables rebuilt by triggers. */
function isData(name: string, sql: string | null, virtualTables: string[]): boolean {
  if (/^(sqlite_|_cf_|d1_migrations$)/.test(name)) return false;
  if (DERIVED_TABLES.includes(name)) return false;
  if (/^CREATE VIRTUAL TABLE/i.test(sql ?? "")) return false;
  return !virtualTables.some((v) => name.startsWith(`${v}_`));
}

const quoteId = (name: string) => `"${name.replaceAll('"', '""')}"`;

export interface TableInfo {
  name: string;
  columns: string[];
  /** Primary-key columns in key order; rowid where there are none. */
  key: string[];
}

/** The data tables, each after the tables it refers to (a cycle, such as runs ⇄ snapshots, keeps its first-created order). */
export async function dataTables(query: Query): Promise<TableInfo[]> {
  const all = (await query("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY rowid")) as {
    name: string;
    sql: string | null;
  }[];
  const virtual = all.filter((t) => /^CREATE VIRTUAL TABLE/i.test(t.sql ?? "")).map((t) => t.name);
  const tables = all.filter((t) => isData(t.name, t.sql, virtual)).map((t) => t.name);
  const info = new Map<string, TableInfo & { refers: string[] }>();
  for (const name of tables) {
    const columns = (await query(`SELECT name, pk FROM pragma_table_info('${name.replaceAll("'", "''")}')`)) as {
      name: string;
      pk: number;
    }[];
    const refers = (await query(
      `SELECT DISTINCT "table" AS target FROM pragma_foreign_key_list('${name.replaceAll("'", "''")}')`,
    )) as {
      target: string;
    }[];
    const key = columns
      .filter((c) => c.pk > 0)
      .sort((a, b) => a.pk - b.pk)
      .map((c) => c.name);
    info.set(name, {
      name,
      columns: columns.map((c) => c.name),
      key: key.length ? key : ["rowid"],
      refers: refers.map((r) => r.target).filter((t) => t !== name && tables.includes(t)),
    });
  }
  // Depth-first: each table after what it refers to; a table met again while being placed is a cycle.
  const ordered: TableInfo[] = [];
  const state = new Map<string, "placing" | "placed">();
  const place = (name: string) => {
    if (state.has(name)) return;
    state.set(name, "placing");
    const table = info.get(name)!;
    for (const target of table.refers) place(target);
    state.set(name, "placed");
    ordered.push({ name: table.name, columns: table.columns, key: table.key });
  };
  for (const name of tables) place(name);
  return ordered;
}

/** Writes every table as JSON Lines, page by page, through `write`. */
export async function exportDatabase(
  query: Query,
  write: (line: string) => void | Promise<void>,
  pageSize = 1000,
): Promise<{ table: string; rows: number }[]> {
  const tables = await dataTables(query);
  await write(JSON.stringify({ scorecard_export: EXPORT_FORMAT, tables: tables.map((t) => t.name) }));
  const counts = [];
  for (const table of tables) {
    const columns = table.columns.map(quoteId).join(", ");
    const order = table.key.map(quoteId).join(", ");
    let rows = 0;
    for (let offset = 0; ; offset += pageSize) {
      const page = await query(
        `SELECT ${columns} FROM ${quoteId(table.name)} ORDER BY ${order} LIMIT ${pageSize} OFFSET ${offset}`,
      );
      for (const found of page) {
        const row: Record<string, unknown> = {};
        for (const column of table.columns) row[column] = found[column] ?? null;
        await write(JSON.stringify({ table: table.name, row }));
      }
      rows += page.length;
      if (page.length < pageSize) break;
    }
    counts.push({ table: table.name, rows });
  }
  return counts;
}

function literal(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`cannot restore the number ${value}`);
    return String(value);
  }
  if (typeof value === "string") return `'${value.replaceAll("'", "''")}'`;
  throw new Error(`cannot restore a value of type ${typeof value}: ${JSON.stringify(value)}`);
}

/** D1 refuses statements over 100 KB: rows are grouped under this. */
const MAX_STATEMENT_BYTES = 90_000;

/**
 * The SQL statements that restore an export into an empty database with the same migrations,
 * foreign keys checked at the end (`PRAGMA defer_foreign_keys`), so that tables that refer to each
 * other (runs ⇄ snapshots) restore. Refuses lines it does not understand.
 */
export function importStatements(lines: Iterable<string>): string[] {
  const statements = ["PRAGMA defer_foreign_keys = on"];
  let pending: { table: string; columns: string[]; values: string[]; bytes: number } | null = null;
  const flush = () => {
    if (!pending) return;
    statements.push(
      `INSERT INTO ${quoteId(pending.table)} (${pending.columns.map(quoteId).join(", ")}) VALUES ${pending.values.join(", ")}`,
    );
    pending = null;
  };
  let header = false;
  let number = 0;
  for (const line of lines) {
    number++;
    if (line.trim() === "") continue;
    let parsed: { scorecard_export?: number; table?: string; row?: Record<string, unknown> };
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new Error(`line ${number} is not JSON`);
    }
    if (!header) {
      if (parsed.scorecard_export !== EXPORT_FORMAT)
        throw new Error(`line 1 is not a Scorecard export header (format ${EXPORT_FORMAT})`);
      header = true;
      continue;
    }
    if (typeof parsed.table !== "string" || !parsed.row || typeof parsed.row !== "object")
      throw new Error(`line ${number} is not {"table", "row"}`);
    const columns = Object.keys(parsed.row);
    const values = `(${columns.map((c) => literal(parsed.row![c])).join(", ")})`;
    const same = pending && pending.table === parsed.table && pending.columns.join() === columns.join();
    if (!same || pending!.bytes + values.length > MAX_STATEMENT_BYTES) flush();
    pending ??= { table: parsed.table, columns, values: [], bytes: 200 };
    pending.values.push(values);
    pending.bytes += values.length + 2;
  }
  flush();
  if (!header) throw new Error("the export is empty");
  return statements;
}

/** The data tables that hold rows: an import goes only into a database where this is empty. */
export async function nonEmptyTables(query: Query): Promise<string[]> {
  const found = [];
  for (const table of await dataTables(query)) {
    const [row] = await query(`SELECT EXISTS (SELECT 1 FROM ${quoteId(table.name)}) AS any`);
    if (row && row.any) found.push(table.name);
  }
  return found;
}
