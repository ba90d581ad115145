import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { getScorecard, listScorecards, type RatingView, type ScorecardDetail } from "../db/scorecards.ts";
import * as v from "valibot";
import { findRule, RULES } from "../../scrapers/index.ts";
import { scorecardRatingsOn, scorecardsInEffect } from "../db/search.ts";
import { CSV_TYPE, toCsv } from "../http/csv.ts";
import { formatOf } from "../http/format.ts";
import { asOfParam, dayOf } from "../http/params.ts";
import { idParam, pageQuery, valid } from "../problem.ts";
import { dataEtag } from "../http/etag.ts";

export const scorecardListQuery = v.object({
  ...pageQuery.entries,
  rule: v.optional(
    v.picklist(
      RULES.map((r) => r.id),
      `rule must be one of: ${RULES.map((r) => r.id).join(", ")}`,
    ),
  ),
  as_of: asOfParam,
});

export const scorecardQuery = v.object({ as_of: asOfParam });

/**
 * A scorecard as it stood on a date: its own rating and its commitments' ratings effective by
 * then; a commitment with none then is absent. Null if the scorecard had not taken effect.
 */
async function scorecardOn(db: D1Database, scorecard: ScorecardDetail, day: string): Promise<ScorecardDetail | null> {
  if (!(await scorecardsInEffect(db, day)).includes(scorecard.id)) return null;
  const ratings = await scorecardRatingsOn(db, scorecard.id, day);
  const byCommitment = new Map<string, Record<string, RatingView>>();
  let overall: RatingView | null = null;
  for (const { commitment_id, dimension, ...rating } of ratings) {
    if (commitment_id === null) {
      if (dimension === "overall") overall = rating;
      continue;
    }
    byCommitment.set(commitment_id, { ...byCommitment.get(commitment_id), [dimension]: rating });
  }
  const commitments = scorecard.commitments
    .filter((c) => byCommitment.has(c.id) || Object.keys(c.ratings).length === 0)
    .map((c) => ({ ...c, ratings: byCommitment.get(c.id) ?? {} }));
  return { ...scorecard, overall, commitments, commitment_count: commitments.length };
}

function scorecardCsv(scorecard: ScorecardDetail, dimensions: string[]): string {
  return toCsv(
    [
      "id",
      "key",
      "text",
      "policy_area",
      "target_date",
      "source_url",
      ...dimensions.flatMap((d) => [`${d}_label`, `${d}_band`]),
    ],
    scorecard.commitments.map((c) => [
      c.id,
      c.key,
      c.text,
      c.policy_area,
      c.target_date,
      c.source_url,
      ...dimensions.flatMap((d) => [c.ratings[d]?.label, c.ratings[d]?.band]),
    ]),
  );
}

export const scorecards = new Hono<{ Bindings: Env }>()
  .get("/", valid("query", scorecardListQuery), async (c) => {
    const { as_of, ...query } = c.req.valid("query");
    const day = dayOf(as_of);
    let { scorecards, total } = await listScorecards(c.env.DB, query);
    if (day !== undefined) {
      // As it stood then: only the scorecards in effect, each with its own rating then.
      const inEffect = new Set(await scorecardsInEffect(c.env.DB, day));
      const all = (await listScorecards(c.env.DB, { ...query, limit: 10_000, offset: 0 })).scorecards.filter((s) =>
        inEffect.has(s.id),
      );
      total = all.length;
      scorecards = await Promise.all(
        all.slice(query.offset, query.offset + query.limit).map(async (s) => {
          const own = (await scorecardRatingsOn(c.env.DB, s.id, day)).find(
            (r) => r.commitment_id === null && r.dimension === "overall",
          );
          const { commitment_id: _c, dimension: _d, ...overall } = own ?? { commitment_id: null, dimension: "" };
          return { ...s, overall: own ? (overall as RatingView) : null };
        }),
      );
    }
    const more = query.offset + scorecards.length < total;
    const next = new URL(c.req.url);
    next.searchParams.set("offset", String(query.offset + query.limit));
    const body = {
      data: scorecards,
      meta: { ...query, ...(as_of ? { as_of } : {}), total, next: more ? next.toString() : null },
    };
    c.header("ETag", await dataEtag(body));
    return c.json(body);
  })
  .get("/:id{[a-z0-9][a-z0-9-]{0,199}\\.csv}", valid("query", scorecardQuery), async (c) => {
    const id = c.req.param("id").replace(/\.csv$/, "");
    return serveScorecard(c, id, c.req.valid("query").as_of, true);
  })
  .get("/:id", valid("param", idParam), valid("query", scorecardQuery), async (c) => {
    const { id } = c.req.valid("param");
    return serveScorecard(c, id, c.req.valid("query").as_of, false);
  });

async function serveScorecard(
  c: import("hono").Context<{ Bindings: Env }>,
  id: string,
  asOf: string | undefined,
  csvPath: boolean,
) {
  let scorecard = await getScorecard(c.env.DB, id);
  if (!scorecard) throw new HTTPException(404, { message: `There is no scorecard "${id}".` });
  const day = dayOf(asOf);
  if (day !== undefined) {
    scorecard = await scorecardOn(c.env.DB, scorecard, day);
    if (!scorecard)
      throw new HTTPException(404, { message: `The scorecard "${id}" had not been published by ${day}.` });
  }
  const dimensions = findRule(scorecard.rule_id)?.dimensions ?? [];
  if (csvPath || formatOf(c, ["json", "csv"]) === "csv") {
    c.header("Content-Disposition", `attachment; filename="${id}.csv"`);
    return c.body(
      scorecardCsv(
        scorecard,
        dimensions.map((d) => d.key),
      ),
      200,
      { "Content-Type": CSV_TYPE },
    );
  }
  const body = { ...scorecard, dimensions, ...(asOf ? { as_of: asOf } : {}) };
  c.header("ETag", await dataEtag(body));
  return c.json(body);
}
