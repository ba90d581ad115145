// The Worker's size as `wrangler deploy --dry-run` bundles it, gzipped, and the modules that
// weigh most in it (from esbuild's metafile, by bytes of output each contributes). Target:
// at most 200 KB gzipped. Prints figures; asserts nothing. Part of npm run bench.
import { execFileSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { root } from "../scripts/seed.ts";

export interface BundleFigures {
  rawKb: number;
  gzipKb: number;
  largest: { module: string; kb: number }[];
  packages: { name: string; kb: number }[];
}

export async function benchBundle(): Promise<BundleFigures> {
  const out = await mkdtemp(join(tmpdir(), "scorecard-bundle-"));
  try {
    const metafile = join(out, "meta.json");
    execFileSync("wrangler", ["deploy", "--dry-run", "--outdir", out, "--metafile", metafile], {
      cwd: root,
      stdio: ["ignore", "ignore", "inherit"],
    });
    const file = (await readdir(out)).find((f) => f.endsWith(".js"))!;
    const code = await readFile(join(out, file));
    const meta = JSON.parse(await readFile(metafile, "utf8")) as {
      outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
    };
    const inputs = Object.values(meta.outputs).flatMap((o) => Object.entries(o.inputs));
    const largest = inputs
      .map(([module, { bytesInOutput }]) => ({ module, kb: bytesInOutput / 1024 }))
      .sort((a, b) => b.kb - a.kb)
      .slice(0, 12);
    const byPackage = new Map<string, number>();
    for (const [module, { bytesInOutput }] of inputs) {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(module);
      const name = m ? m[1]! : module.split("/")[0]!.replace(/^\.\.?$/, "(project)");
      byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput / 1024);
    }
    const packages = [...byPackage]
      .map(([name, kb]) => ({ name, kb }))
      .sort((a, b) => b.kb - a.kb)
      .slice(0, 10);
    return { rawKb: code.length / 1024, gzipKb: gzipSync(code, { level: 9 }).length / 1024, largest, packages };
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

export function bundleTable(b: BundleFigures): string {
  return [
    `Bundle: ${b.rawKb.toFixed(0)} KB, **${b.gzipKb.toFixed(1)} KB gzipped** (target ≤200 KB: ${b.gzipKb <= 200 ? "met" : "**missed**"}).`,
    "",
    "| package or folder | KB in the bundle (before gzip) |",
    "|---|---:|",
    ...b.packages.map((p) => `| ${p.name} | ${p.kb.toFixed(1)} |`),
    "",
    "| largest modules | KB |",
    "|---|---:|",
    ...b.largest.map((l) => `| \`${l.module}\` | ${l.kb.toFixed(1)} |`),
  ].join("\n");
}

if (import.meta.main) console.log(bundleTable(await benchBundle()));
