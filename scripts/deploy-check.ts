// `npm run deploy:check`: bundles the Worker as `wrangler deploy` would, without deploying, so
// that a project that cannot bundle fails its tests rather than its first deploy. The bundle
// goes to a temporary directory, removed afterwards: nothing is left behind.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { wrangler } from "./seed.ts";

const outdir = await mkdtemp(join(tmpdir(), "scorecard-bundle-"));
try {
  await wrangler(["deploy", "--dry-run", "--outdir", outdir]);
} finally {
  await rm(outdir, { recursive: true, force: true });
}
