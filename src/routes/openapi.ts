// `GET /openapi.json`: the OpenAPI 3.1 document, generated from the routes' valibot schemas by
// `npm run openapi` (scripts/openapi.ts) and committed, so that the converter stays out of the
// Worker; test/cli/openapi.unit.test.ts fails if the two differ.
import { Hono } from "hono";
import document from "./openapi.json" with { type: "json" };

/** The document, with this deployment's origin as its server. */
export function openApiDocument(serverUrl = "/") {
  return { ...document, servers: [{ url: serverUrl }] };
}

export const openapi = new Hono<{ Bindings: Env }>().get("/", (c) =>
  c.json(openApiDocument(new URL(c.req.url).origin)),
);
