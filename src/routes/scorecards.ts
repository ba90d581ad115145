import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { getScorecard, listScorecards } from "../db/scorecards.ts";
import * as v from "valibot";
import { findRule, RULES } from "../../scrapers/index.ts";
import { idParam, pageQuery, valid } from "../problem.ts";

const listQuery = v.object({
  ...pageQuery.entries,
  rule: v.optional(
    v.picklist(
      RULES.map((r) => r.id),
      `rule must be one of: ${RULES.map((r) => r.id).join(", ")}`,
    ),
  ),
});

export const scorecards = new Hono<{ Bindings: Env }>()
  .get("/", valid("query", listQuery), async (c) => {
    const query = c.req.valid("query");
    const { scorecards, total } = await listScorecards(c.env.DB, query);
    return c.json({ data: scorecards, meta: { ...query, total } });
  })
  .get("/:id", valid("param", idParam), async (c) => {
    const { id } = c.req.valid("param");
    const scorecard = await getScorecard(c.env.DB, id);
    if (!scorecard) throw new HTTPException(404, { message: `There is no scorecard "${id}".` });
    const dimensions = findRule(scorecard.rule_id)?.dimensions ?? [];
    return c.json({ ...scorecard, dimensions });
  });
