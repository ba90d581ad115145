import { Hono } from "hono";
import { countSourceHealth } from "../db/sources.ts";
import { problem } from "../problem.ts";

export const health = new Hono<{ Bindings: Env }>().get("/", async (c) => {
  try {
    const sources = await countSourceHealth(c.env.DB);
    return c.json({ status: "ok", time: new Date().toISOString(), sources });
  } catch (error) {
    console.error("health check:", error);
    return problem(c, 503, "The database is not answering.");
  }
});
