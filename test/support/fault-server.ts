// A publisher that misbehaves on request, for the fault matrix (test/faults.integration.test.ts).
// `/__fault?mode=<mode>` sets how `/fault/report.html` answers next; `good` serves the real HC 780
// Expert Panel sample. Runs in Node, inside the local test server, on 127.0.0.1 only.
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";

const PAGE = readFileSync(new URL("../../seeds/archive/hc-780-digitisation.html", import.meta.url), "utf8");
const HTML = { "Content-Type": "text/html; charset=utf-8" };

/** The page in windows-1252, as an old Windows tool would save it: ’ is the single byte 0x92. */
function windows1252(text: string): Buffer {
  const bytes = [...text].map((ch) => (ch === "’" ? 0x92 : ch.charCodeAt(0)));
  if (bytes.some((b) => b > 0xff)) throw new Error("the page has a character this test cannot encode");
  return Buffer.from(bytes);
}

const rows = [...PAGE.matchAll(/<tr>(?:(?!<\/tr>)[\s\S])*<\/tr>/g)].map((m) => m[0]);

/** How each mode answers; `null` leaves the request hanging (a stall before the headers). */
const MODES: Record<string, (res: ServerResponse, req: IncomingMessage) => void> = {
  good: (res) => res.writeHead(200, HTML).end(PAGE),
  "http-500": (res) => res.writeHead(500).end("Internal Server Error"),
  "http-503-retry-after-seconds": (res) => res.writeHead(503, { "Retry-After": "3600" }).end("busy"),
  "http-429-retry-after-date": (res) =>
    res.writeHead(429, { "Retry-After": new Date(Date.now() + 3_600_000).toUTCString() }).end("slow down"),
  "stall-before-headers": () => {},
  "stall-after-headers": (res) => {
    res.writeHead(200, HTML);
    res.write(PAGE.slice(0, 200));
  },
  "reset-mid-body": (res) => {
    res.writeHead(200, { ...HTML, "Content-Length": String(Buffer.byteLength(PAGE)) });
    res.write(PAGE.slice(0, 500), () => res.socket?.destroy());
  },
  "truncated-body": (res) => {
    res.writeHead(200, { ...HTML, "Content-Length": String(Buffer.byteLength(PAGE) + 5000) });
    res.write(PAGE, () => res.socket?.end());
  },
  "over-cap-declared": (res) => {
    const body = PAGE + " ".repeat(3 * 1024 * 1024);
    res.writeHead(200, { ...HTML, "Content-Length": String(Buffer.byteLength(body)) }).end(body);
  },
  "over-cap-chunked": (res) => {
    res.writeHead(200, HTML); // no Content-Length: chunked
    res.write(PAGE);
    const chunk = " ".repeat(64 * 1024);
    let sent = 0;
    const more = () => {
      while (sent < 3 * 1024 * 1024) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once("drain", more);
      }
      res.end();
    };
    more();
  },
  "wrong-content-type": (res) => res.writeHead(200, { "Content-Type": "application/pdf" }).end("%PDF-1.7\n" + PAGE),
  "binary-garbage": (res) =>
    res.writeHead(200, HTML).end(Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256))),
  "empty-200": (res) => res.writeHead(200, HTML).end(),
  "redirect-loop": (res) => res.writeHead(302, { Location: "/fault/report.html" }).end(),
  "windows-1252": (res) => res.writeHead(200, { "Content-Type": "text/html" }).end(windows1252(PAGE)),
  "always-304": (res) => res.writeHead(304).end(),
  "tables-vanished": (res) =>
    res.writeHead(200, HTML).end(PAGE.replace(/<table[\s\S]*<\/table>/, "<p>See the PDF.</p>")),
  "half-the-rows": (res) => {
    let page = PAGE;
    for (const row of rows.slice(1).filter((_, i) => i % 2 === 0)) page = page.replace(row, "");
    res.writeHead(200, HTML).end(page);
  },
  "unknown-labels": (res) =>
    res
      .writeHead(200, HTML)
      .end(
        PAGE.replaceAll("Inadequate", "Dreadful").replaceAll(">Good<", ">Splendid<").replaceAll(" Good", " Splendid"),
      ),
};

export const FAULT_MODES = Object.keys(MODES);

let mode = "good";
let location = "";

/** Handles /__fault and /fault/…; false for any other path. */
export function faultRoute(url: URL, req: IncomingMessage, res: ServerResponse): boolean {
  if (url.pathname === "/__fault") {
    mode = url.searchParams.get("mode") ?? "good";
    location = url.searchParams.get("location") ?? "";
    res.end(MODES[mode] || mode === "redirect-to" ? "ok" : `unknown mode ${mode}`);
    return true;
  }
  if (!url.pathname.startsWith("/fault/")) return false;
  // A redirect to anywhere the test names (a forbidden address, another scheme).
  if (mode === "redirect-to") return (void res.writeHead(302, { Location: location }).end(), true);
  MODES[mode]!(res, req);
  return true;
}
