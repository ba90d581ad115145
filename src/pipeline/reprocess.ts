// Re-runs a source's current rule over the documents already archived for it, oldest first,
// and rebuilds its rating history from them, without fetching anything: a fixed rule repairs
// history. Sources whose rule shares commitments across sources are rebuilt together, so that
// change events follow the documents' order. It never loses history: every document is read
// before anything changes, and if the current rule cannot read one that today's history was
// built from, nothing changes. The rebuild itself is one D1 batch: all of it, or none.
import { findRule } from "../../scrapers/index.ts";
import { extractStep, validateExtraction, type Extraction } from "../../scrapers/lib/rule.ts";
import { deleteHistoryStatements, snapshotsWithObservations, writePlanStatements } from "../db/ratings.ts";
import {
  extractedSnapshots,
  finishRun,
  finishRunStatements,
  startRun,
  type RunCounts,
  type RunOutcome,
  type SnapshotRow,
} from "../db/runs.ts";
import { getSource, listSourcesOfRule, type SourceRow } from "../db/sources.ts";
import { readArchived } from "./archive.ts";
import { decodeBody } from "./fetch.ts";
import { emptyPlanState, planWrites } from "./plan.ts";

export interface ReprocessSummary {
  sourceIds: string[];
  runId: number;
  outcome: RunOutcome;
  documents: number;
  /** Documents the current rule cannot read and that no current rating came from. */
  skipped: { snapshotId: number; error: string }[];
  counts?: RunCounts;
  error?: string;
}

export async function reprocessSource(env: Env, sourceId: string): Promise<ReprocessSummary> {
  const db = env.DB;
  const source = await getSource(db, sourceId);
  if (!source) throw new Error(`There is no source "${sourceId}".`);
  const rule = findRule(source.rule_id);
  if (!rule) throw new Error(`source "${source.id}" names rule "${source.rule_id}", which does not exist`);
  const sourceIds =
    rule.commitmentScope === "rule" ? (await listSourcesOfRule(db, rule.id)).map((s) => s.id) : [source.id];
  const step = extractStep(rule);
  const runId = await startRun(db, source.id, "reprocess", new Date().toISOString());

  const snapshots = await extractedSnapshots(db, sourceIds, step.name);
  const readable: { snapshot: SnapshotRow; extraction: Extraction }[] = [];
  const skipped: ReprocessSummary["skipped"] = [];
  for (const snapshot of snapshots) {
    const text = decodeBody(await readArchived(env.ARCHIVE, snapshot.archive_key), snapshot.content_type);
    try {
      const carried = JSON.parse(snapshot.context ?? "{}") as Record<string, string>;
      readable.push({
        snapshot,
        extraction: validateExtraction(rule, step.extract(text, { url: snapshot.url, carried })),
      });
    } catch (error) {
      skipped.push({ snapshotId: snapshot.id, error: (error as Error).message });
    }
  }
  const summary = { sourceIds, runId, documents: snapshots.length, skipped };

  const lost = await snapshotsWithObservations(
    db,
    skipped.map((s) => s.snapshotId),
  );
  if (lost.length > 0) {
    const error =
      `the current rule cannot read ${lost.length} archived document(s) that today's history was built from ` +
      `(snapshots ${lost.join(", ")}): ${skipped.find((s) => s.snapshotId === lost[0])!.error}. Nothing was changed.`;
    await finishRun(db, source, {
      id: runId,
      outcome: "failed",
      finishedAt: new Date().toISOString(),
      snapshotId: null,
      error,
    });
    return { ...summary, outcome: "failed", error };
  }

  const state = emptyPlanState(); // the history of these sources is rebuilt from nothing
  const counts: RunCounts = { commitments_seen: 0, observations_added: 0, changes_added: 0 };
  const statements = deleteHistoryStatements(db, sourceIds);
  for (const { snapshot, extraction } of readable) {
    const plan = planWrites(rule, snapshot.source_id, extraction, state);
    counts.commitments_seen += plan.commitments.length;
    counts.observations_added += plan.observations.length;
    counts.changes_added += plan.observations.filter((o) => o.moved).length;
    statements.push(
      ...writePlanStatements(db, plan, { runId, snapshotId: snapshot.id, observedAt: snapshot.fetched_at }),
    );
  }
  statements.push(
    ...finishRunStatements(db, source, {
      id: runId,
      outcome: "ok",
      finishedAt: new Date().toISOString(),
      snapshotId: null,
      counts,
    }),
  );
  await db.batch(statements);
  return { ...summary, outcome: "ok", counts };
}
