// Re-runs a source's current rule over the documents already archived for it, oldest first,
// and rebuilds its rating history from them. A fixed rule repairs history without fetching
// anything again. Sources whose rule shares commitments across sources are rebuilt together,
// so that change events follow the documents' order.
import { findRule } from "../../scrapers/index.ts";
import { extractStep, validateExtraction } from "../../scrapers/lib/rule.ts";
import { deleteHistoryStatements, latestObservations, writePlanStatements } from "../db/ratings.ts";
import { extractedSnapshots, finishRun, startRun, type RunCounts } from "../db/runs.ts";
import { getSource, listSourcesOfRule } from "../db/sources.ts";
import { readArchived } from "./archive.ts";
import { decodeBody } from "./fetch.ts";
import { commitmentScope, planWrites, scorecardId } from "./plan.ts";

export interface ReprocessSummary {
  sourceIds: string[];
  runId: number;
  documents: number;
  skipped: { snapshotId: number; error: string }[];
  counts: RunCounts;
}

export class UnknownSourceError extends Error {}

export async function reprocessSource(env: Env, sourceId: string): Promise<ReprocessSummary> {
  const db = env.DB;
  const source = await getSource(db, sourceId);
  if (!source) throw new UnknownSourceError(`There is no source "${sourceId}".`);
  const rule = findRule(source.rule_id);
  if (!rule) throw new Error(`source "${source.id}" names rule "${source.rule_id}", which does not exist`);
  const sourceIds =
    rule.commitmentScope === "rule" ? (await listSourcesOfRule(db, rule.id)).map((s) => s.id) : [source.id];
  const step = extractStep(rule);
  const runId = await startRun(db, source.id, "reprocess", new Date().toISOString());
  const counts: RunCounts = { commitments_seen: 0, observations_added: 0, changes_added: 0 };
  const skipped: ReprocessSummary["skipped"] = [];
  try {
    const snapshots = await extractedSnapshots(db, sourceIds, step.name);
    await db.batch(deleteHistoryStatements(db, sourceIds));
    for (const snapshot of snapshots) {
      const text = decodeBody(await readArchived(env.ARCHIVE, snapshot.archive_key), snapshot.content_type);
      let extraction;
      try {
        extraction = validateExtraction(
          rule,
          step.extract(text, { url: snapshot.url, carried: JSON.parse(snapshot.context ?? "{}") }),
        );
      } catch (error) {
        // A document even the current rule cannot read adds nothing, as it did when fetched.
        skipped.push({ snapshotId: snapshot.id, error: (error as Error).message });
        continue;
      }
      const state = await latestObservations(
        db,
        scorecardId(rule, extraction.scorecard.key),
        commitmentScope(rule, snapshot.source_id),
      );
      const plan = planWrites(rule, snapshot.source_id, extraction, state);
      counts.commitments_seen += plan.commitments.length;
      counts.observations_added += plan.observations.length;
      counts.changes_added += plan.observations.filter((o) => o.changedFrom).length;
      await db.batch(
        writePlanStatements(db, plan, { runId, snapshotId: snapshot.id, observedAt: snapshot.fetched_at }),
      );
    }
    await finishRun(db, source, {
      id: runId,
      outcome: "ok",
      finishedAt: new Date().toISOString(),
      snapshotId: null,
      counts,
    });
    return { sourceIds, runId, documents: snapshots.length, skipped, counts };
  } catch (error) {
    await finishRun(db, source, {
      id: runId,
      outcome: "failed",
      finishedAt: new Date().toISOString(),
      snapshotId: null,
      error: (error as Error).message,
    });
    throw error;
  }
}
