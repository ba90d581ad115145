// `GET /v1/changes` (and `.csv`, `.atom`): every change event, newest first, with its evidence;
// and deadline-passed events, computed when read from commitments whose deadline passed unmet
// or unrated (domain/deadlines.ts), dated the day it passed.
import { type Context, Hono } from "hono";
import * as v from "valibot";
import { deadlineOf, deadlinePassesOn } from "../../domain/deadlines.ts";
import { periodEnd } from "../../domain/effective.ts";
import { RULES } from "../../scrapers/index.ts";
import {
  type ChangeRow,
  datedCommitments,
  passedDeadlines,
  type DatedCommitment,
  listCorrections,
  listStoredChanges,
  storedTie,
  type CorrectionRow,
} from "../db/changes.ts";
import { scoresOnDays } from "../db/search.ts";
import { ATOM_TYPE, atomFeed } from "../http/atom.ts";
import { CSV_TYPE, toCsv } from "../http/csv.ts";
import { deliveryOf, today } from "../http/deadlines.ts";
import { formatOf } from "../http/format.ts";
import { CHANGE_KINDS } from "../http/schemas.ts";
import {
  cursorParam,
  decodeCursor,
  encodeCursor,
  instant,
  limitParam,
  listOf,
  nextUrl,
  queryFingerprint,
  slug,
} from "../http/params.ts";
import { valid } from "../problem.ts";

const RULE_IDS = RULES.map((r) => r.id);

export const changeQuery = v.object({
  since: v.optional(instant("Only events observed at or after this date or instant (observed_at).")),
  until: v.optional(instant("Only events observed at or before this date (the whole day) or instant.", true)),
  rule: v.optional(
    v.pipe(v.picklist(RULE_IDS, `must be one of: ${RULE_IDS.join(", ")}`), v.description("Only this rule's events.")),
  ),
  source: slug("Only this source's events."),
  scorecard: slug("Only this scorecard's events."),
  commitment: slug("Only this commitment's events."),
  dimension: slug("Only events on this dimension (deadline-passed and removal events have none)."),
  kind: listOf(CHANGE_KINDS, "Only these kinds of event (comma-separated)."),
  direction: v.optional(
    v.pipe(
      v.picklist(["worse", "better"], "must be worse or better"),
      v.description("Only moves down (worse) or up (better) the common 0-100 scale."),
    ),
  ),
  limit: limitParam,
  cursor: cursorParam,
});
export type ChangeQuery = v.InferOutput<typeof changeQuery>;

export interface Evidence {
  url: string;
  fetched_at: string;
  sha256: string;
  archive_key: string;
}
export interface Side {
  label: string;
  band: string;
  score: number | null;
  evidence: Evidence | null;
}

export interface ChangeEvent {
  /** Stable across runs and reprocesses: derived from what changed, not from a row number. */
  id: string;
  kind: (typeof CHANGE_KINDS)[number];
  commitment: { id: string; key: string; text: string } | null;
  scorecard: { id: string; title: string };
  rule_id: string;
  dimension: string | null;
  from: Side | null;
  to: Side | null;
  /** By the common 0-100 score, where both sides have one. */
  direction: "worse" | "better" | "same" | null;
  band_changed: boolean;
  /** When Scorecard observed it (the fetch of its evidence); a deadline-passed event: the day it passed. */
  observed_at: string;
  /** The date the publisher gives it (the period's end or the publication date). */
  effective_on: string | null;
  /** For moves between scorecards that rate periods: the two periods, and whether they are consecutive. */
  periods?: { from: string; to: string; consecutive: boolean };
  /** For deadline-passed events. */
  deadline?: { target_date: string; status: string };
  /**
   * For newsroom corrections (`corrected`, `correction-reverted`), which are not the publisher's:
   * the override, who made or reverted it and why. The scraped side keeps its evidence.
   */
  correction?: {
    override_id: number;
    reason: string;
    evidence_url: string;
    by: string;
    revert_reason: string | null;
  };
}

async function stableId(parts: (string | null)[]): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(parts.map((p) => p ?? "").join("\u0000")),
  );
  return `ev_${[...new Uint8Array(digest).slice(0, 10)].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** Two periods are consecutive when the second starts the year after the first ("2022-23" → "2023-24"). */
function periodsOf(from: string | null, to: string | null): ChangeEvent["periods"] {
  if (!from || !to || from === to) return undefined;
  const a = periodEnd(from);
  const b = periodEnd(to);
  if (!a || !b) return undefined;
  return { from, to, consecutive: Number(b.slice(0, 4)) - Number(a.slice(0, 4)) === 1 };
}

/** By the common 0-100 score, where both sides have one. */
function directionOf(from: Side | null, to: Side | null): ChangeEvent["direction"] {
  if (from?.score == null || to?.score == null) return null;
  return to.score < from.score ? "worse" : to.score > from.score ? "better" : "same";
}

async function present(row: ChangeRow): Promise<ChangeEvent> {
  const side = (prefix: "from" | "to"): Side | null => {
    const label = row[`${prefix}_label`];
    if (label === null) return null;
    const url = row[`${prefix}_url`];
    return {
      label,
      band: row[`${prefix}_band`]!,
      score: row[`${prefix}_score`],
      evidence:
        url === null
          ? null
          : {
              url,
              fetched_at: row[`${prefix}_fetched_at`]!,
              sha256: row[`${prefix}_sha256`]!,
              archive_key: row[`${prefix}_archive_key`]!,
            },
    };
  };
  const from = side("from");
  const to = side("to");
  const direction = directionOf(from, to);
  const periods = periodsOf(row.from_period, row.scorecard_period);
  return {
    id: await stableId([row.kind, row.scorecard_id, row.commitment_id, row.dimension, row.to_sha256, row.changed_at]),
    kind: row.kind as ChangeEvent["kind"],
    commitment:
      row.commitment_id === null
        ? null
        : { id: row.commitment_id, key: row.commitment_key!, text: row.commitment_text! },
    scorecard: { id: row.scorecard_id, title: row.scorecard_title },
    rule_id: row.rule_id,
    dimension: row.dimension,
    from,
    to,
    direction,
    band_changed: row.band_changed === 1,
    observed_at: row.changed_at,
    effective_on: row.effective_on,
    ...(periods ? { periods } : {}),
  };
}

async function presentCorrection(row: CorrectionRow): Promise<ChangeEvent> {
  const scraped: Side | null =
    row.scraped_label === null
      ? null
      : {
          label: row.scraped_label,
          band: row.scraped_band!,
          score: row.scraped_score,
          evidence:
            row.scraped_url === null
              ? null
              : {
                  url: row.scraped_url,
                  fetched_at: row.scraped_fetched_at!,
                  sha256: row.scraped_sha256!,
                  archive_key: row.scraped_archive_key!,
                },
        };
  const corrected: Side = {
    label: row.override_label,
    band: row.override_band,
    score: row.override_score,
    evidence: null,
  };
  const [from, to] = row.kind === "corrected" ? [scraped, corrected] : [corrected, scraped];
  const direction = directionOf(from, to);
  return {
    id: await stableId([row.kind, String(row.override_id), row.changed_at]),
    kind: row.kind,
    commitment: { id: row.commitment_id, key: row.commitment_key, text: row.commitment_text },
    scorecard: { id: row.scorecard_id, title: row.scorecard_title },
    rule_id: row.rule_id,
    dimension: row.dimension,
    from,
    to,
    direction,
    band_changed: from?.band !== to?.band,
    observed_at: row.changed_at,
    effective_on: row.changed_at.slice(0, 10),
    correction: {
      override_id: row.override_id,
      reason: row.reason,
      evidence_url: row.evidence_url,
      by: row.by_name,
      revert_reason: row.revert_reason,
    },
  };
}

type Keyed = { key: [string, string]; event: () => Promise<ChangeEvent> };

/**
 * Deadline-passed events, computed from commitments whose deadline passed unmet or unrated by
 * today: the newest `wanted` of them before the cursor (fewer when there are no more), since a
 * page never shows more.
 */
async function deadlineEvents(
  db: D1Database,
  query: ChangeQuery,
  before: [string, string] | null,
  wanted: number,
): Promise<Keyed[]> {
  if (query.kind && !query.kind.includes("deadline-passed")) return [];
  if (query.dimension || query.direction) return [];
  const now = today();
  // Passed by now, in the window, before the cursor: newest first.
  const passed = <T extends { id: string; target_date: string }>(c: T) => {
    const passesOn = deadlinePassesOn(c.target_date);
    if (passesOn === null || passesOn > now) return [];
    const at = `${passesOn}T00:00:00.000Z`;
    if ((query.since && at < query.since) || (query.until && at > query.until)) return [];
    const order: [string, string] = [at, `d:${c.id}`];
    if (before && (order[0] > before[0] || (order[0] === before[0] && order[1] >= before[1]))) return [];
    return [{ ...c, passesOn, at, order }];
  };
  const newestFirst = (a: { order: [string, string] }, b: { order: [string, string] }) =>
    a.order[0] !== b.order[0] ? (a.order[0] < b.order[0] ? 1 : -1) : a.order[1] < b.order[1] ? 1 : -1;
  // A rule or source filter is on each commitment's latest scorecard, so every candidate is read
  // in full; otherwise the walk down the passed deadlines reads them a batch at a time.
  const scoped = query.rule !== undefined || query.source !== undefined;
  const day = (d: string | undefined) => (d === undefined ? undefined : d.slice(0, 10));
  const window = {
    since: day(query.since) ?? null,
    by: [now, day(query.until)].filter((d): d is string => d !== undefined).sort()[0]!,
  };
  const all = scoped ? (await datedCommitments(db, query)).flatMap(passed).sort(newestFirst) : null;
  const batch = 2 * wanted; // most pass unmet, so one batch usually fills the page
  type Candidate = DatedCommitment & { passesOn: string; at: string; order: [string, string] };
  /** The next batch of candidates after a keyset position, and the position after them if there may be more. */
  const nextBatch = async (
    from: [string, string] | null,
  ): Promise<{ chunk: Candidate[]; last: [string, string] | null }> => {
    if (all) {
      const start = from === null ? 0 : all.findIndex((c) => newestFirst(c, { order: from }) > 0);
      const chunk = start < 0 ? [] : all.slice(start, start + batch);
      return { chunk, last: chunk.length === batch ? chunk.at(-1)!.order : null };
    }
    const rows = await passedDeadlines(db, query, window, from, batch);
    const slice = rows.flatMap(passed);
    const full =
      slice.length === 0
        ? new Map<string, DatedCommitment>()
        : new Map(
            (
              await datedCommitments(
                db,
                query,
                slice.map((c) => c.id),
              )
            ).map((c) => [c.id, c]),
          );
    const chunk = slice.flatMap((t) => {
      const c = full.get(t.id);
      return c ? [{ ...c, passesOn: t.passesOn, at: t.at, order: t.order }] : [];
    });
    const end = rows.at(-1);
    return { chunk, last: rows.length === batch ? [`${end!.passes_on}T00:00:00.000Z`, `d:${end!.id}`] : null };
  };
  const events: Keyed[] = [];
  // Each is judged by its delivery rating effective by the day it passed.
  for (let from = before, more = true; more && events.length < wanted;) {
    const { chunk, last } = await nextBatch(from);
    [from, more] = [last, last !== null];
    const scores = await scoresOnDays(
      db,
      chunk.flatMap((c) => {
        const delivery = deliveryOf(c.rule_id);
        return delivery ? [{ commitment_id: c.id, dimension: delivery.dimension, day: c.passesOn }] : [];
      }),
    );
    for (const c of chunk) {
      const delivery = deliveryOf(c.rule_id);
      const deadline = deadlineOf(c.target_date, c.passesOn, delivery, scores.get(c.id) ?? null);
      if (!deadline || deadline.status === "passed-met") continue;
      events.push({
        key: c.order,
        event: async () => ({
          id: await stableId(["deadline-passed", c.id, c.target_date]),
          kind: "deadline-passed",
          commitment: { id: c.id, key: c.key, text: c.text },
          scorecard: { id: c.scorecard_id, title: c.scorecard_title },
          rule_id: c.rule_id,
          dimension: delivery?.dimension ?? null,
          from: null,
          to: null,
          direction: null,
          band_changed: false,
          observed_at: c.at,
          effective_on: c.passesOn,
          deadline: { target_date: c.target_date, status: deadline.status },
        }),
      });
    }
  }
  return events;
}

/** One page of events, newest first, with the cursor of the next. */
export async function changePage(
  db: D1Database,
  query: ChangeQuery,
): Promise<{ data: ChangeEvent[]; next: string | null }> {
  const fingerprint = queryFingerprint(query);
  const cursor = decodeCursor(query.cursor, fingerprint);
  const before = cursor ? ([String(cursor.after[0]), String(cursor.after[1])] as [string, string]) : null;
  // Deadline-passed events and corrections are not stored change rows: only ask for those that can be.
  const computed = new Set<string>(["deadline-passed", "corrected", "correction-reverted"]);
  const storedKinds = query.kind?.filter((k) => !computed.has(k));
  const stored =
    storedKinds !== undefined && storedKinds.length === 0
      ? []
      : await listStoredChanges(db, { ...query, kind: storedKinds }, before, query.limit + 1);
  const keyed: Keyed[] = [
    ...stored.map((row) => ({
      key: [row.changed_at, storedTie(row.id)] as [string, string],
      event: () => present(row),
    })),
    ...(await deadlineEvents(db, query, before, query.limit + 1)),
    ...(await listCorrections(db, query, before, query.limit + 1)).map((row) => ({
      key: [row.changed_at, row.tie] as [string, string],
      event: () => presentCorrection(row),
    })),
  ];
  keyed.sort((a, b) => (a.key[0] !== b.key[0] ? (a.key[0] < b.key[0] ? 1 : -1) : a.key[1] < b.key[1] ? 1 : -1));
  const page = keyed.slice(0, query.limit);
  return {
    data: await Promise.all(page.map((k) => k.event())),
    next: keyed.length > page.length ? encodeCursor({ after: page.at(-1)!.key, query: fingerprint }) : null,
  };
}

/** "NHS App roll-out (met): Requires improvement → Inadequate". */
export function headline(e: ChangeEvent): string {
  const subject = e.commitment?.text ?? e.scorecard.title;
  const short = subject.length > 90 ? `${subject.slice(0, 89)}…` : subject;
  const on = e.dimension ? ` (${e.dimension})` : "";
  switch (e.kind) {
    case "moved":
      return `${short}${on}: ${e.from?.label ?? "?"} → ${e.to?.label ?? "?"}`;
    case "first-rating":
      return `${short}${on}: first rated ${e.to?.label ?? "?"}`;
    case "removed":
      return `${short}: no longer in ${e.scorecard.title}`;
    case "returned":
      return `${short}: back in ${e.scorecard.title}`;
    case "deadline-passed":
      return `${short}: deadline ${e.deadline!.target_date} passed, ${e.deadline!.status === "passed-unrated" ? "unrated" : "not met"}`;
    case "corrected":
      return `${short}${on}: corrected by the newsroom to ${e.to?.label ?? "?"} (published as ${e.from?.label ?? "not rated"})`;
    case "correction-reverted":
      return `${short}${on}: newsroom correction withdrawn, back to ${e.to?.label ?? "not rated"} as published`;
  }
}

function changesCsv(events: ChangeEvent[]): string {
  return toCsv(
    [
      "id",
      "kind",
      "observed_at",
      "effective_on",
      "commitment_id",
      "commitment_key",
      "commitment_text",
      "scorecard_id",
      "scorecard_title",
      "dimension",
      "from_label",
      "from_band",
      "from_score",
      "to_label",
      "to_band",
      "to_score",
      "direction",
      "from_evidence_url",
      "from_evidence_sha256",
      "to_evidence_url",
      "to_evidence_sha256",
      "correction_by",
      "correction_reason",
      "correction_evidence_url",
    ],
    events.map((e) => [
      e.id,
      e.kind,
      e.observed_at,
      e.effective_on,
      e.commitment?.id,
      e.commitment?.key,
      e.commitment?.text,
      e.scorecard.id,
      e.scorecard.title,
      e.dimension,
      e.from?.label,
      e.from?.band,
      e.from?.score,
      e.to?.label,
      e.to?.band,
      e.to?.score,
      e.direction,
      e.from?.evidence?.url,
      e.from?.evidence?.sha256,
      e.to?.evidence?.url,
      e.to?.evidence?.sha256,
      e.correction?.by,
      e.correction?.revert_reason ?? e.correction?.reason,
      e.correction?.evidence_url,
    ]),
  );
}

function changesAtom(c: Context, events: ChangeEvent[], query: ChangeQuery): string {
  const origin = new URL(c.req.url).origin;
  const scope = query.commitment ?? query.scorecard ?? query.source ?? query.rule;
  const self = new URL(c.req.url);
  const alternate = new URL(c.req.url);
  alternate.pathname = "/v1/changes";
  return atomFeed({
    id: `${origin}/v1/changes.atom${scope ? `?${self.searchParams.toString()}` : ""}`,
    title: `Scorecard: changes${scope ? ` (${scope})` : ""}`,
    self: self.toString(),
    alternate: alternate.toString(),
    entries: events.map((e) => ({
      id: `${origin}/v1/changes/${e.id}`,
      title: headline(e),
      updated: e.observed_at,
      link: e.commitment ? `${origin}/v1/commitments/${e.commitment.id}` : `${origin}/v1/scorecards/${e.scorecard.id}`,
      summary: [
        headline(e),
        `Scorecard: ${e.scorecard.title}.`,
        e.effective_on ? `Effective ${e.effective_on}; observed ${e.observed_at}.` : `Observed ${e.observed_at}.`,
        e.correction
          ? `A newsroom correction by ${e.correction.by}, not the publisher's: ${e.correction.revert_reason ?? e.correction.reason} (evidence: ${e.correction.evidence_url}).`
          : "",
        e.to?.evidence ? `Evidence: ${e.to.evidence.url} (sha256 ${e.to.evidence.sha256}).` : "",
        e.periods && !e.periods.consecutive
          ? `The periods ${e.periods.from} and ${e.periods.to} are not consecutive: a year is missing between them.`
          : "",
      ]
        .filter(Boolean)
        .join(" "),
      related: [
        ...(e.from?.evidence ? [{ href: e.from.evidence.url, title: "evidence before" }] : []),
        ...(e.to?.evidence ? [{ href: e.to.evidence.url, title: "evidence after" }] : []),
        ...(e.correction ? [{ href: e.correction.evidence_url, title: "evidence for the correction" }] : []),
      ],
    })),
  });
}

export const changes = new Hono<{ Bindings: Env }>().get("/", valid("query", changeQuery), async (c) => {
  const query = c.req.valid("query");
  const { data, next } = await changePage(c.env.DB, query);
  const nextLink = nextUrl(c.req.url, next);
  const format = formatOf(c, ["json", "csv", "atom"]);
  if (nextLink) c.header("Link", `<${nextLink}>; rel="next"`);
  if (format === "csv") {
    c.header("Content-Disposition", 'attachment; filename="changes.csv"');
    return c.body(changesCsv(data), 200, { "Content-Type": CSV_TYPE });
  }
  if (format === "atom") return c.body(changesAtom(c, data, query), 200, { "Content-Type": ATOM_TYPE });
  const { cursor: _cursor, ...filters } = query;
  return c.json({ data, meta: { ...filters, next: nextLink } });
});
