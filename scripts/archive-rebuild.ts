// npm run archive:rebuild: recreates the snapshots table of the local database from the local
// archive (R2) alone, from the record each archived document carries in its metadata. Then
// `npm run reprocess -- <source>` rebuilds each source's history from those snapshots.
import { getPlatformProxy } from "wrangler";
import { rebuildSnapshotsFromArchive } from "../src/pipeline/archive-rebuild.ts";

const proxy = await getPlatformProxy<Env>({ persist: true });
try {
  const summary = await rebuildSnapshotsFromArchive(proxy.env);
  console.log(
    `archive:rebuild: ${summary.objects} archived documents, ${summary.recreated} snapshots recreated, ${summary.present} already recorded`,
  );
  for (const { key, reason } of summary.unplaced) console.log(`  not placed: ${key}: ${reason}`);
} catch (error) {
  console.error(`archive:rebuild: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await proxy.dispose();
}
