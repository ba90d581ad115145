import { Hono } from "hono";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import * as v from "valibot";
import { DEADLINE_STATUSES, type Deadline } from "../../domain/deadlines.ts";
import { RATING_BANDS, STATE_BANDS, VOCABULARY_IDS } from "../../domain/vocabularies.ts";
import { RULES } from "../../scrapers/index.ts";
import { getCommitment, resourcesNamed } from "../db/commitments.ts";
import {
  type CommitmentListItem,
  type CommitmentMatch,
  ftsQuery,
  inEffectOn,
  matchCommitments,
  pageOfCommitments,
  readCommitments,
} from "../db/search.ts";
import { CSV_TYPE, toCsv, type CsvValue } from "../http/csv.ts";
import { deadlinesOn, today } from "../http/deadlines.ts";
import { formatOf } from "../http/format.ts";
import {
  asOfParam,
  compareKeys,
  type Cursor,
  cursorParam,
  dayOf,
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

export const commitmentListQuery = v.object({
  q: v.optional(
    v.pipe(
      v.string(),
      v.trim(),
      v.minLength(1, "must not be empty"),
      v.maxLength(200, "must be at most 200 characters"),
      v.description(
        "Full-text search over the commitment's text, policy area and key (every word must appear; word* matches a prefix). Results are ranked by relevance.",
      ),
    ),
  ),
  scorecard: slug("Only commitments on this scorecard (by id)."),
  source: slug("Only commitments of this source's scorecards."),
  rule: v.optional(
    v.pipe(
      v.picklist(RULE_IDS, `must be one of: ${RULE_IDS.join(", ")}`),
      v.description("Only commitments read by this rule."),
    ),
  ),
  policy_area: v.optional(
    v.pipe(v.string(), v.minLength(1), v.maxLength(200), v.description("Exactly this policy area (any case).")),
  ),
  key: v.optional(
    v.pipe(
      v.string(),
      v.minLength(1),
      v.maxLength(300),
      v.description("The publisher's own id, e.g. a GMPP project's HO_0149_2223-Q2."),
    ),
  ),
  dimension: slug("Only commitments with a current rating on this dimension (with band: in that band)."),
  band: listOf(
    [...RATING_BANDS, ...STATE_BANDS],
    "Current rating in any of these bands (comma-separated): on `dimension` if given, else on any dimension.",
  ),
  vocabulary: v.optional(
    v.pipe(
      v.picklist(VOCABULARY_IDS, `must be one of: ${VOCABULARY_IDS.join(", ")}`),
      v.description("Only commitments with a current rating in this vocabulary."),
    ),
  ),
  deadline: listOf(
    DEADLINE_STATUSES,
    "Deadline status, any of (comma-separated); passed-not-met,passed-unrated is the overdue promises.",
  ),
  updated_since: v.optional(
    instant("Only commitments with an observation or change event observed at or after this date or instant."),
  ),
  as_of: asOfParam,
  limit: limitParam,
  cursor: cursorParam,
});

export type CommitmentListQuery = v.InferOutput<typeof commitmentListQuery>;

export interface CommitmentItem extends CommitmentListItem {
  deadline: Deadline | null;
}

/**
 * One page of commitments matching a query, with `next`: the cursor of the page after it. Order
 * is stable: by id, or by relevance then id when searching.
 */
export async function commitmentPage(
  db: D1Database,
  query: CommitmentListQuery,
): Promise<{ data: CommitmentItem[]; next: string | null; total: number }> {
  const q = query.q === undefined ? undefined : ftsQuery(query.q);
  if (query.q !== undefined && q === null)
    throw new HTTPException(400, { message: "q: give at least one word to search for" });
  const fingerprint = queryFingerprint(query);
  const cursor = decodeCursor(query.cursor, fingerprint);
  const asOf = dayOf(query.as_of);
  const day = asOf ?? today();
  const filters = {
    ...query,
    q: q ?? undefined,
    as_of: asOf,
    has_target_date: query.deadline !== undefined,
    // Only passed deadlines asked for: their target dates are before the day ("2025" ends on 31 December).
    target_date_before: query.deadline?.every((s) => s.startsWith("passed-")) ? day : undefined,
  };
  // Read once for the whole request: the match, and the page's ratings and scorecards.
  const inEffect = await inEffectOn(db, asOf);
  // The page's deadlines and its rows, read side by side.
  const readPage = (page: CommitmentMatch[]) =>
    Promise.all([
      deadlinesOn(db, page, day),
      readCommitments(
        db,
        page.map((m) => m.id),
        asOf,
        inEffect,
      ),
    ]);
  if (!query.deadline) {
    // Paged by the database, which counts the rest.
    const { matches: found, total } = await pageOfCommitments(
      db,
      filters,
      cursor?.after ?? null,
      query.limit + 1,
      inEffect,
    );
    const keyOf = (m: { id: string; rank: number | null }): Cursor["after"] => (q ? [m.rank, m.id] : [m.id]);
    const page = found.slice(0, query.limit);
    const [deadlines, items] = await readPage(page);
    return {
      data: items.map((item) => ({ ...item, deadline: deadlines.get(item.id) ?? null })),
      next: found.length > page.length ? encodeCursor({ after: keyOf(page.at(-1)!), query: fingerprint }) : null,
      total,
    };
  }
  // Filtered by deadline status, which is judged per commitment: read every match, then page.
  const all = await matchCommitments(db, filters, inEffect);
  const deadlines = await deadlinesOn(db, all, day);
  const wanted = new Set<string>(query.deadline);
  const matches = all.filter((m) => wanted.has(deadlines.get(m.id)?.status ?? ""));
  const keyOf = (m: { id: string; rank: number | null }): Cursor["after"] => (q ? [m.rank, m.id] : [m.id]);
  matches.sort((a, b) => compareKeys(keyOf(a), keyOf(b)));
  const total = matches.length;
  const after = cursor ? matches.filter((m) => compareKeys(keyOf(m), cursor.after) > 0) : matches;
  const page = after.slice(0, query.limit);
  const more = after.length > page.length;
  const items = await readCommitments(
    db,
    page.map((m) => m.id),
    asOf,
    inEffect,
  );
  return {
    data: items.map((item) => ({ ...item, deadline: deadlines.get(item.id) ?? null })),
    next: more ? encodeCursor({ after: keyOf(page.at(-1)!), query: fingerprint }) : null,
    total,
  };
}

/**
 * The columns of a CSV of commitments: one label and one band column per dimension, and where an
 * editor corrected a rating, the label as scraped and the reason beside it.
 */
export function commitmentsCsv(items: CommitmentItem[], ruleId: string | undefined): string {
  const dimensions = [
    ...new Set(
      RULES.filter((r) => ruleId === undefined || r.id === ruleId)
        .flatMap((r) => r.dimensions.map((d) => d.key))
        .concat(items.flatMap((i) => Object.keys(i.ratings))),
    ),
  ];
  const header = [
    "id",
    "key",
    "text",
    "policy_area",
    "target_date",
    "deadline_status",
    "deadline_days",
    "url",
    "scorecards",
    ...dimensions.flatMap((d) => [`${d}_label`, `${d}_band`, `${d}_scraped_label`, `${d}_override_reason`]),
  ];
  const rows = items.map((i): CsvValue[] => [
    i.id,
    i.key,
    i.text,
    i.policy_area,
    i.target_date,
    i.deadline?.status,
    i.deadline?.days,
    i.url,
    i.scorecards.map((s) => s.id).join(" "),
    ...dimensions.flatMap((d) => {
      const rating = i.ratings[d];
      return [rating?.label, rating?.band, rating?.scraped?.label, rating?.override?.reason];
    }),
  ]);
  return toCsv(header, rows);
}

async function list(c: Context<{ Bindings: Env }>, query: CommitmentListQuery) {
  const { data, next, total } = await commitmentPage(c.env.DB, query);
  const nextLink = nextUrl(c.req.url, next);
  if (formatOf(c, ["json", "csv"]) === "csv") {
    if (nextLink) c.header("Link", `<${nextLink}>; rel="next"`);
    c.header("Content-Disposition", 'attachment; filename="commitments.csv"');
    return c.body(commitmentsCsv(data, query.rule), 200, { "Content-Type": CSV_TYPE });
  }
  const { cursor: _cursor, ...filters } = query;
  return c.json({ data, meta: { ...filters, as_of: query.as_of ?? null, total, next: nextLink } });
}

/** `GET /v1/commitments` (and `.csv`, mounted apart in app.ts). */
export const commitmentList = new Hono<{ Bindings: Env }>().get("/", valid("query", commitmentListQuery), async (c) =>
  list(c, c.req.valid("query")),
);

const anyIdParam = v.object({ id: v.pipe(v.string(), v.nonEmpty(), v.maxLength(200)) });

/** A 404's hint: the resource to ask instead when the id names something else. */
async function whereElse(db: D1Database, id: string): Promise<string> {
  const named = await resourcesNamed(db, id);
  const path = encodeURIComponent(id);
  if (named.commitmentsWithKey.length > 0)
    return `"${id}" is a publisher's key: ask /v1/commitments?key=${path}, or /v1/commitments/${named.commitmentsWithKey[0]}.`;
  if (named.scorecard) return `"${id}" is a scorecard: ask /v1/scorecards/${path}.`;
  if (named.source) return `"${id}" is a source: ask /v1/sources/${path}, or /v1/commitments?source=${path}.`;
  return "";
}

/** `as_of`: the commitment as it stood then, from the observations in effect by that day. */
export const commitmentQuery = v.object({ as_of: asOfParam });

export const commitments = new Hono<{ Bindings: Env }>()
  .route("/", commitmentList)
  // Any id up to 200 characters, so that a publisher's key ("HO_0149_2223-Q2") gets a 404 that says where to ask.
  .get("/:id", valid("param", anyIdParam), valid("query", commitmentQuery), async (c) => {
    const { id } = c.req.valid("param");
    const asOf = dayOf(c.req.valid("query").as_of);
    const commitment = await getCommitment(c.env.DB, id, asOf);
    if (!commitment) {
      const exists = asOf !== undefined && (await getCommitment(c.env.DB, id)) !== null;
      throw new HTTPException(404, {
        message: exists
          ? `The commitment "${id}" had no rating in effect on ${asOf}.`
          : `There is no commitment "${id}". ${await whereElse(c.env.DB, id)}`.trim(),
      });
    }
    return c.json(asOf === undefined ? commitment : { ...commitment, as_of: asOf });
  });
