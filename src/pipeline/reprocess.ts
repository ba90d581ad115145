// Re-runs a source's current rule over the documents already archived for it and rebuilds its
// rating history from them, without fetching anything: a fixed rule repairs history. Sources
// whose rule shares commitments across sources are rebuilt together, in the order of the
// periods their documents rate, so that change events run forward.
//
// It never loses history: every document is read and checked before anything changes, and if
// the current rule cannot read one that today's history was built from, nothing changes. The
// rebuild itself is one D1 batch: all of it, or none. A reprocess fetches nothing, so it says
// nothing of a source's health.
import { findRule } from "../../scrapers/index.ts";
import { extractStep } from "../../scrapers/lib/steps.ts";
import { type Extraction, type Rule, usableRule } from "../../scrapers/lib/rule.ts";
import {
  deleteHistoryStatements,
  documentsWithObservations,
  scorecardOwner,
  writePlanStatements,
} from "../db/observations.ts";
import {
  extractedSnapshots,
  finishRunStatements,
  startRun,
  type RunCounts,
  type RunOutcome,
  type SnapshotRow,
} from "../db/runs.ts";
import { getSource, listSourcesOfRule, type SourceRow } from "../db/sources.ts";
import { readArchivedText } from "./archive.ts";
import { extractDocument } from "./extract.ts";
import { commitmentIds, countsOf, emptyPlanState, planWrites, scorecardId } from "./plan.ts";
import { checkForDrift, checkRatingsKept, ratedCells, type Cell } from "./drift.ts";

export interface ReprocessSummary {
  sourceIds: string[];
  runId: number;
  outcome: RunOutcome;
  documents: number;
  /** Documents the current rule cannot read, or that fail its drift checks, and that no current rating came from. */
  skipped: { snapshotId: number; sha256: string; error: string }[];
  counts?: RunCounts;
  error?: string;
}

interface Readable {
  snapshot: SnapshotRow;
  extraction: Extraction;
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export async function reprocessSource(env: Env, sourceId: string): Promise<ReprocessSummary> {
  const db = env.DB;
  const source = await getSource(db, sourceId);
  if (!source) throw new Error(`There is no source "${sourceId}".`);
  const runId = await startRun(db, source.id, "reprocess", new Date().toISOString());
  const close = (outcome: RunOutcome, extra: { counts?: RunCounts; error?: string }) =>
    finishRunStatements(
      db,
      source,
      { id: runId, outcome, finishedAt: new Date().toISOString(), snapshotId: null, ...extra },
      { health: false },
    );
  try {
    return await rebuild(env, source, runId, close);
  } catch (error) {
    // Whatever went wrong, the rebuild's batch did not land, and the run says so. Retrying the
    // same documents with the same rule would fail the same way, so the job ends here.
    const message = (error as Error).message;
    await db.batch(close("failed", { error: message }));
    return { sourceIds: [source.id], runId, outcome: "failed", documents: 0, skipped: [], error: message };
  }
}

async function rebuild(
  env: Env,
  source: SourceRow,
  runId: number,
  close: (outcome: RunOutcome, extra: { counts?: RunCounts; error?: string }) => D1PreparedStatement[],
): Promise<ReprocessSummary> {
  const db = env.DB;
  const rule = findRule(source.rule_id);
  if (!rule) throw new Error(`source "${source.id}" names rule "${source.rule_id}", which does not exist`);
  usableRule(rule);
  const sourceIds =
    rule.commitmentScope === "rule" ? (await listSourcesOfRule(db, rule.id)).map((s) => s.id) : [source.id];
  const snapshots = await extractedSnapshots(db, sourceIds, extractStep(rule).name);
  const { accepted, skipped } = await readInOrder(env, rule, sourceIds, snapshots);
  const summary = { sourceIds, runId, documents: snapshots.length, skipped };

  // By content: the same document may have been recorded under several snapshots.
  const lost = await documentsWithObservations(db, sourceIds, [...new Set(skipped.map((s) => s.sha256))]);
  if (lost.length > 0) {
    const first = skipped.find((s) => s.sha256 === lost[0])!;
    const error =
      `the current rule cannot read ${lost.length} archived document(s) that today's history was built from ` +
      `(first: snapshot ${first.snapshotId}): ${first.error}. Nothing was changed.`;
    await db.batch(close("failed", { error }));
    return { ...summary, outcome: "failed", error };
  }

  const state = emptyPlanState(); // these sources' history is rebuilt from nothing
  const counts: RunCounts = { commitments_seen: 0, observations_added: 0, changes_added: 0 };
  const statements = deleteHistoryStatements(db, sourceIds);
  for (const { snapshot, extraction } of accepted) {
    const plan = planWrites(rule, snapshot.source_id, extraction, state);
    const planned = countsOf(plan);
    counts.commitments_seen += planned.commitments_seen;
    counts.observations_added += planned.observations_added;
    counts.changes_added += planned.changes_added;
    statements.push(
      ...writePlanStatements(db, plan, { runId, snapshotId: snapshot.id, observedAt: snapshot.fetched_at }),
    );
  }
  await db.batch([...statements, ...close("ok", { counts })]);
  return { ...summary, outcome: "ok", counts };
}

/**
 * Reads every archived document with the current rule and puts them in order: scorecards by
 * the period they rate (else publication date, else when first fetched), and the versions of
 * one scorecard in the order they were fetched. Applies the checks a scrape would have: drift,
 * commitment ids, and that the scorecard belongs to one of the sources being rebuilt. What
 * fails is skipped, with the reason.
 */
async function readInOrder(env: Env, rule: Rule, sourceIds: string[], snapshots: SnapshotRow[]) {
  const readable: (Readable & { scorecard: string })[] = [];
  const skipped: ReprocessSummary["skipped"] = [];
  const skip = (snapshot: SnapshotRow, error: unknown) =>
    skipped.push({ snapshotId: snapshot.id, sha256: snapshot.sha256, error: (error as Error).message });
  for (const snapshot of snapshots) {
    const text = await readArchivedText(env.ARCHIVE, snapshot.archive_key, snapshot.content_type);
    try {
      const carried = JSON.parse(snapshot.context ?? "{}") as Record<string, string>;
      const extraction = extractDocument(rule, text, { url: snapshot.url, carried });
      commitmentIds(rule, snapshot.source_id, extraction);
      const scorecard = scorecardId(rule, extraction.scorecard.key);
      const owner = await scorecardOwner(env.DB, scorecard);
      if (owner !== null && !sourceIds.includes(owner)) {
        throw new Error(`scorecard "${scorecard}" belongs to source "${owner}"`);
      }
      readable.push({ snapshot, extraction, scorecard });
    } catch (error) {
      skip(snapshot, error);
    }
  }
  const scorecardOrder = new Map<string, string>();
  for (const { scorecard, snapshot, extraction } of readable) {
    const key = extraction.scorecard.period ?? extraction.scorecard.published_on ?? snapshot.fetched_at;
    if (!scorecardOrder.has(scorecard)) scorecardOrder.set(scorecard, key);
  }
  readable.sort(
    (a, b) =>
      compare(scorecardOrder.get(a.scorecard)!, scorecardOrder.get(b.scorecard)!) ||
      compare(a.scorecard, b.scorecard) ||
      a.snapshot.id - b.snapshot.id,
  );
  const lastGood = new Map<string, number>();
  // The cells each scorecard's last accepted document rated: as a scrape compares with the
  // record, against the same scorecard's own last good state, never another year's.
  const lastRated = new Map<string, Cell[]>();
  const accepted = readable.filter(({ snapshot, extraction, scorecard }) => {
    try {
      checkForDrift(rule, extraction, lastGood.get(snapshot.source_id) ?? null);
      checkRatingsKept(rule, snapshot.source_id, extraction, lastRated.get(scorecard) ?? []);
    } catch (error) {
      skip(snapshot, error);
      return false;
    }
    lastGood.set(snapshot.source_id, extraction.commitments.length);
    lastRated.set(scorecard, ratedCells(rule, snapshot.source_id, extraction));
    return true;
  });
  return { accepted, skipped };
}
