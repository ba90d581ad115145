// `GET /v1/runs/:id`: one run of one source, as its source's recent runs list it.
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import * as v from "valibot";
import { getRun } from "../db/runs.ts";
import { valid } from "../problem.ts";

export const runParam = v.object({
  id: v.pipe(
    v.string(),
    v.regex(/^[1-9]\d{0,15}$/, "a run id is a positive whole number"),
    v.transform(Number),
    v.description("The run's id, as /v1/sources/:id lists it."),
  ),
});

export const runs = new Hono<{ Bindings: Env }>().get(
  "/:id",
  valid("param", runParam),
  valid("query", v.object({})),
  async (c) => {
    const { id } = c.req.valid("param");
    const run = await getRun(c.env.DB, id);
    if (!run) throw new HTTPException(404, { message: `There is no run ${id}.` });
    const { source_id, ...rest } = run;
    // A run in progress is polled for its outcome, which no run's applying would make fresh.
    if (run.finished_at === null) c.header("Cache-Control", "no-store");
    return c.json({
      ...rest,
      source: { id: source_id, url: new URL(`/v1/sources/${source_id}`, c.req.url).toString() },
    });
  },
);
