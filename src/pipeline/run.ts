// One run of one source: fetch, archive, skip if unchanged, extract, validate, apply in one
// batch. Whatever happens, the run ends with a `runs` row that says so.
import { findRule } from "../../scrapers/index.ts";
import { ExtractionError, validateExtraction } from "../../scrapers/lib/rule.ts";
import { latestObservations, writePlanStatements } from "../db/ratings.ts";
import { finishRun, finishRunStatements, insertSnapshot, lastAppliedSnapshot, startRun, type RunCounts, type RunOutcome } from "../db/runs.ts";
import type { SourceRow } from "../db/sources.ts";
import { archiveBody, sha256Hex } from "./archive.ts";
import { decodeBody, fetchDocument } from "./fetch.ts";
import { planWrites, scorecardId } from "./plan.ts";

export interface RunSummary {
  sourceId: string;
  runId: number;
  outcome: RunOutcome;
  counts?: RunCounts;
  error?: string;
}

export async function runSource(
  env: Env,
  source: SourceRow,
  options: { trigger: string; now?: () => Date },
): Promise<RunSummary> {
  const now = options.now ?? (() => new Date());
  const db = env.DB;
  const runId = await startRun(db, source.id, options.trigger, now().toISOString());
  const finish = async (outcome: RunOutcome, snapshotId: number | null, extra: { counts?: RunCounts; error?: string } = {}) => {
    await finishRun(db, source, { id: runId, outcome, finishedAt: now().toISOString(), snapshotId, ...extra });
    return { sourceId: source.id, runId, outcome, ...extra };
  };

  let snapshotId: number | null = null;
  try {
    const rule = findRule(source.rule_id);
    if (!rule) throw new Error(`source "${source.id}" names rule "${source.rule_id}", which does not exist`);

    const applied = await lastAppliedSnapshot(db, source.id);
    const fetchedAt = now().toISOString();
    const document = await fetchDocument(env, source.url, applied);
    if (document === "not-modified") return await finish("unchanged", applied?.id ?? null);

    const sha256 = await sha256Hex(document.body);
    const archiveKey = await archiveBody(env.ARCHIVE, document.body, sha256, document.contentType);
    snapshotId = await insertSnapshot(db, {
      source_id: source.id,
      url: document.url,
      fetched_at: fetchedAt,
      http_status: document.status,
      etag: document.etag,
      last_modified: document.lastModified,
      content_type: document.contentType,
      sha256,
      size_bytes: document.body.byteLength,
      archive_key: archiveKey,
    });
    if (applied?.sha256 === sha256) return await finish("unchanged", snapshotId);

    const extraction = validateExtraction(rule, rule.extract(decodeBody(document.body, document.contentType), { url: document.url }));
    const state = await latestObservations(db, scorecardId(rule, extraction.scorecard.key), source.id);
    const plan = planWrites(rule, source, extraction, state);
    const counts: RunCounts = {
      commitments_seen: plan.commitments.length,
      observations_added: plan.observations.length,
      changes_added: plan.observations.filter((o) => o.changedFrom).length,
    };
    // One batch: the run's writes and its closing row land together or not at all.
    await db.batch([
      ...writePlanStatements(db, plan, { runId, snapshotId, observedAt: fetchedAt }),
      ...finishRunStatements(db, source, { id: runId, outcome: "ok", finishedAt: now().toISOString(), snapshotId, counts }),
    ]);
    return { sourceId: source.id, runId, outcome: "ok", counts };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const outcome: RunOutcome = error instanceof ExtractionError ? "drift" : "failed";
    console.error(`run ${runId} of ${source.id}: ${outcome}: ${message}`);
    return await finish(outcome, snapshotId, { error: message });
  }
}
