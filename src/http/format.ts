// Which representation a read asks for: `.csv` or `.atom` on the path, else the Accept header.
import type { Context } from "hono";

export type Format = "json" | "csv" | "atom";

export function formatOf(c: Context, offered: Format[]): Format {
  // Caches must keep the representations of one URL apart.
  c.header("Vary", "Accept", { append: true });
  const path = new URL(c.req.url).pathname;
  if (path.endsWith(".csv") && offered.includes("csv")) return "csv";
  if (path.endsWith(".atom") && offered.includes("atom")) return "atom";
  const accept = c.req.header("Accept") ?? "";
  if (offered.includes("csv") && /\btext\/csv\b/i.test(accept)) return "csv";
  if (offered.includes("atom") && /\bapplication\/atom\+xml\b/i.test(accept)) return "atom";
  return "json";
}
