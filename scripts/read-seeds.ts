// Reads seeds/ from disk (in Node): the source list and the archive files it names.
import { readFile } from "node:fs/promises";
import { extname, join } from "node:path";
import * as v from "valibot";
import { SeedFileSchema, type SeedArchive, type SeedFile } from "../src/seeds.ts";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".csv": "text/csv; charset=utf-8",
  ".json": "application/json",
};

export async function readSeeds(seedsDir: string): Promise<{ seeds: SeedFile; archive: SeedArchive }> {
  const seeds = v.parse(SeedFileSchema, JSON.parse(await readFile(join(seedsDir, "sources.json"), "utf8")));
  const archive: SeedArchive = {};
  for (const [url, { file, sample }] of Object.entries(seeds.archive)) {
    const bytes = await readFile(join(seedsDir, file));
    const contentType = CONTENT_TYPES[extname(file)] ?? "application/octet-stream";
    try {
      const body = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
      archive[url] = { body, contentType, sample };
    } catch {
      // Not UTF-8 (the 2020-21 GMPP CSV is windows-1252): kept as its bytes, with no charset
      // claimed, as a server that does not know would send it.
      archive[url] = {
        body: bytes.toString("base64"),
        base64: true,
        contentType: contentType.replace(/;.*$/, ""),
        sample,
      };
    }
  }
  return { seeds, archive };
}
