// `GET /docs`: a readable reference, rendered on the server from the OpenAPI document; it asks
// no other host for anything.
import { Hono } from "hono";
import { openApiDocument } from "./openapi.ts";

type Parameter = { name: string; in: string; description?: string };
type Operation = { get: { summary: string; description?: string; parameters: Parameter[] } };

export const docs = new Hono<{ Bindings: Env }>().get("/", (c) => {
  const doc = openApiDocument(new URL(c.req.url).origin);
  return c.html(
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>Scorecard API reference</title>
        <style>{`body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111}
code{background:#f3f3f3;padding:0 .2em}table{border-collapse:collapse;width:100%}td,th{border-top:1px solid #ddd;padding:.3rem;text-align:left;vertical-align:top}`}</style>
      </head>
      <body>
        <h1>{doc.info.title}</h1>
        <p>{doc.info.description}</p>
        <p>
          The machine-readable document: <a href="/openapi.json">/openapi.json</a> (OpenAPI {doc.openapi}).
        </p>
        {Object.entries(doc.paths as Record<string, Operation>).map(([path, op]) => (
          <section>
            <h2>
              <code>GET {path}</code>
            </h2>
            <p>{op.get.summary}.</p>
            {op.get.description ? <p>{op.get.description}</p> : null}
            {op.get.parameters.length > 0 ? (
              <table>
                <tr>
                  <th>parameter</th>
                  <th>in</th>
                  <th>meaning</th>
                </tr>
                {op.get.parameters.map((p) => (
                  <tr>
                    <td>
                      <code>{p.name}</code>
                    </td>
                    <td>{p.in}</td>
                    <td>{p.description ?? ""}</td>
                  </tr>
                ))}
              </table>
            ) : null}
          </section>
        ))}
      </body>
    </html>,
  );
});
