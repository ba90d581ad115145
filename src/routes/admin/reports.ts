// Reader reports, for editors: list them and triage them.
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import * as v from "valibot";
import { getReport, listReports, triageReport } from "../../db/reports.ts";
import { valid } from "../../problem.ts";
import { editors, type AdminEnv } from "./auth.ts";
import { numericId, page, slug, text } from "./schemas.ts";

const STATUSES = ["open", "resolved", "rejected"] as const;

const Triage = v.strictObject({ status: v.picklist(STATUSES), note: v.optional(text(2000)) });

export const adminReports = new Hono<AdminEnv>()
  .use(editors)
  .get(
    "/",
    valid("query", v.object({ status: v.optional(v.picklist(STATUSES)), commitment: v.optional(slug), ...page() })),
    async (c) => {
      const query = c.req.valid("query");
      const { reports, total } = await listReports(c.env.DB, query);
      return c.json({ data: reports, meta: { total, limit: query.limit, offset: query.offset } });
    },
  )
  .get("/:id", valid("param", numericId), async (c) => {
    const { id } = c.req.valid("param");
    const report = await getReport(c.env.DB, id);
    if (!report) throw new HTTPException(404, { message: `There is no report ${id}.` });
    return c.json(report);
  })
  .patch("/:id", valid("param", numericId), valid("json", Triage), async (c) => {
    const { id } = c.req.valid("param");
    if (!(await getReport(c.env.DB, id))) throw new HTTPException(404, { message: `There is no report ${id}.` });
    const { status, note } = c.req.valid("json");
    const report = await triageReport(
      c.env.DB,
      id,
      { status, note: note ?? null, at: new Date().toISOString() },
      c.get("actor"),
    );
    return c.json(report);
  });
