import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { getCommitment } from "../db/commitments.ts";
import { idParam, valid } from "../problem.ts";

export const commitments = new Hono<{ Bindings: Env }>().get("/:id", valid("param", idParam), async (c) => {
  const { id } = c.req.valid("param");
  const commitment = await getCommitment(c.env.DB, id);
  if (!commitment) throw new HTTPException(404, { message: `There is no commitment "${id}".` });
  return c.json(commitment);
});
