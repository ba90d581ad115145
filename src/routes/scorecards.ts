import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { findRule } from "../../scrapers/index.ts";
import { getScorecard, listScorecards } from "../db/read.ts";
import { idParam, pageQuery, valid } from "../problem.ts";

export const scorecards = new Hono<{ Bindings: Env }>()
  .get("/", valid("query", pageQuery), async (c) => {
    const page = c.req.valid("query");
    const { scorecards, total } = await listScorecards(c.env.DB, page);
    return c.json({ data: scorecards, meta: { ...page, total } });
  })
  .get("/:id", valid("param", idParam), async (c) => {
    const { id } = c.req.valid("param");
    const scorecard = await getScorecard(c.env.DB, id);
    if (!scorecard) throw new HTTPException(404, { message: `There is no scorecard "${id}".` });
    const dimensions = findRule(scorecard.rule_id)?.dimensions ?? [];
    return c.json({ ...scorecard, dimensions });
  });
