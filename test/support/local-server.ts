// A scriptable HTTP server on 127.0.0.1 for the fetcher's tests: robots.txt, ETags, slow,
// oversized and flaky answers, and a log of every request it received. Runs in Node.
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { faultRoute } from "./fault-server.ts";

interface LoggedRequest {
  path: string;
  at: number;
  headers: IncomingMessage["headers"];
}

export async function startLocalServer(): Promise<{ server: Server; port: number }> {
  let log: LoggedRequest[] = [];
  let robots: { status: number; body: string } = { status: 404, body: "" };
  const attempts = new Map<string, number>();
  // Webhook deliveries received at /hook/…, with their bodies, for tests to verify signatures.
  let hooks: { path: string; headers: IncomingMessage["headers"]; body: string; attempt: number }[] = [];

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const param = (name: string, fallback = 0) => Number(url.searchParams.get(name) ?? fallback);
    if (url.pathname === "/__log") return void res.end(JSON.stringify(log));
    if (url.pathname === "/__hooks") return void res.end(JSON.stringify(hooks));
    if (url.pathname === "/__reset") {
      log = [];
      attempts.clear();
      robots = { status: 404, body: "" };
      return void res.end("ok");
    }
    if (faultRoute(url, req, res)) return;
    if (url.pathname === "/__robots") {
      robots = { status: param("status", 200), body: url.searchParams.get("body") ?? "" };
      return void res.end("ok");
    }
    log.push({ path: url.pathname + url.search, at: Date.now(), headers: req.headers });

    if (url.pathname === "/robots.txt") {
      // A 3xx robots.txt redirects to /robots-target.txt, which serves the body.
      if (robots.status >= 300 && robots.status < 400) {
        res.writeHead(robots.status, { Location: "/robots-target.txt" });
        return void res.end();
      }
      res.writeHead(robots.status, { "Content-Type": "text/plain" });
      return void res.end(robots.body);
    }
    if (url.pathname === "/robots-target.txt") {
      res.writeHead(200, { "Content-Type": "text/plain" });
      return void res.end(robots.body);
    }
    if (url.pathname.startsWith("/page")) {
      // Body and ETag come from the query, so a test can "edit" the page by changing them.
      const etag = `"${url.searchParams.get("etag") ?? "v1"}"`;
      if (req.headers["if-none-match"] === etag) {
        res.writeHead(304, { ETag: etag });
        return void res.end();
      }
      res.writeHead(200, {
        "Content-Type": "text/html; charset=utf-8",
        ETag: etag,
        "Last-Modified": "Fri, 17 Feb 2023 09:00:00 GMT",
      });
      return void res.end(`<html><body><h1>Page ${etag}</h1></body></html>`);
    }
    if (url.pathname === "/loop") {
      res.writeHead(302, { Location: "/loop" });
      return void res.end();
    }
    if (url.pathname.startsWith("/redirect")) {
      // /redirect?to=/page%3Fetag%3Dx&status=301
      res.writeHead(param("status", 301), { Location: url.searchParams.get("to") ?? "/page" });
      return void res.end();
    }
    if (url.pathname === "/report.html") {
      // A real Expert Panel sample page, with an ETag, for runs that go through the pipeline.
      const etag = '"report-v1"';
      if (req.headers["if-none-match"] === etag) {
        res.writeHead(304, { ETag: etag });
        return void res.end();
      }
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", ETag: etag });
      return void res.end(readFileSync(new URL("../../seeds/archive/hc-780-digitisation.html", import.meta.url)));
    }
    if (url.pathname === "/slow") {
      const timer = setTimeout(() => res.end("late"), param("ms", 2000));
      res.on("close", () => clearTimeout(timer));
      return;
    }
    if (url.pathname === "/big") {
      const bytes = param("bytes", 1000);
      if (url.searchParams.get("declare") !== "no") res.setHeader("Content-Length", bytes);
      return void res.end("x".repeat(bytes));
    }
    if (url.pathname.startsWith("/flaky/")) {
      // Fails `fail` times with `status` (and Retry-After, if given), then answers.
      const seen = (attempts.get(url.pathname) ?? 0) + 1;
      attempts.set(url.pathname, seen);
      if (seen <= param("fail", 2)) {
        const retryAfter =
          url.searchParams.get("retryAfter") ??
          (url.searchParams.has("retryAfterDate")
            ? new Date(Date.now() + param("retryAfterDate") * 1000).toUTCString()
            : null);
        res.writeHead(param("status", 503), retryAfter ? { "Retry-After": retryAfter } : {});
        return void res.end("try later");
      }
      return void res.end(`answered on attempt ${seen}`);
    }
    if (url.pathname.startsWith("/hook/")) {
      // A webhook receiver: records each delivery, failing the first `fail` with a 500.
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const seen = (attempts.get(url.pathname) ?? 0) + 1;
        attempts.set(url.pathname, seen);
        hooks.push({
          path: url.pathname,
          headers: req.headers,
          body: Buffer.concat(chunks).toString("utf8"),
          attempt: seen,
        });
        res.writeHead(seen <= param("fail", 0) ? 500 : 204);
        res.end();
      });
      return;
    }
    res.writeHead(404);
    res.end("not found");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port };
}
