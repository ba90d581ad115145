// Re-runs a source's current rule over the documents already archived for it and rebuilds its
// rating history from them, without fetching anything: a fixed rule repairs history. Sources
// whose rule shares commitments across sources are rebuilt together, in the order of the
// periods their documents rate, so that change events run forward.
//
// It never loses history: every document is read and checked before anything changes, and if
// the current rule cannot read one that today's history was built from, nothing changes; what a
// document gone from the archive left is kept. It rewrites only from the first document it reads
// differently, so what it keeps keeps its ids. The rebuild is one D1 batch: all of it, or none.
// A reprocess fetches nothing, so it says nothing of a source's health.
import { findRule } from "../../scrapers/index.ts";
import { extractStep } from "../../scrapers/lib/steps.ts";
import { type Extraction, type Rule, usableRule } from "../../scrapers/lib/rule.ts";
import {
  deleteHistoryFromStatements,
  documentsWithObservations,
  plannedHistory,
  scorecardOwner,
  scrapedChangesOfRun,
  storedHistory,
  writePlanStatements,
  type StoredChange,
  type StoredObservation,
} from "../db/observations.ts";
import {
  extractedSnapshots,
  finishRunStatements,
  markArchiveMissingStatement,
  startRun,
  type RunCounts,
  type RunOutcome,
  type SnapshotRow,
} from "../db/runs.ts";
import { getSource, listSourcesOfRule, type SourceRow } from "../db/sources.ts";
import { readArchivedText } from "./archive.ts";
import { extractDocument } from "./extract.ts";
import { carryKept, commitmentIds, countsOf, emptyPlanState, planWrites, scorecardId } from "./plan.ts";
import type { WritePlan } from "../types.ts";
import { checkForDrift, checkRatingsKept, ratedCells, type Cell } from "./drift.ts";

export interface ReprocessSummary {
  sourceIds: string[];
  runId: number;
  outcome: RunOutcome;
  documents: number;
  /** Documents the current rule cannot read, or that fail its drift checks, and that no current rating came from. */
  skipped: { snapshotId: number; sha256: string; error: string }[];
  /** Snapshots whose archived document is gone: what the record holds of them is kept, marked so. */
  missing: number[];
  /** The stored observations and change events kept as they were, with their ids. */
  kept?: { observations: number; changes: number };
  counts?: RunCounts;
  /**
   * The change events written that the record did not hold before, what webhooks are told of: a
   * rewrite writes again, under new ids, events it held. Absent when they could not be read back.
   */
  newChangeIds?: number[];
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
    return { sourceIds: [source.id], runId, outcome: "failed", documents: 0, skipped: [], missing: [], error: message };
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
  const { accepted, skipped, missing } = await readInOrder(env, rule, sourceIds, snapshots);
  const summary = { sourceIds, runId, documents: snapshots.length, skipped, missing: missing.map((m) => m.id) };

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

  const stored = await storedHistory(db, sourceIds);
  const walk = keepAndRewrite(rule, accepted, missing, stored);
  if ("error" in walk) {
    await db.batch(close("failed", { error: walk.error }));
    return { ...summary, outcome: "failed", error: walk.error };
  }
  const counts: RunCounts = { commitments_seen: 0, observations_added: 0, changes_added: 0 };
  const statements = deleteHistoryFromStatements(db, sourceIds, walk.rewriteFrom);
  for (const { snapshot, plan, rewrite } of walk.documents) {
    const planned = countsOf(plan);
    counts.commitments_seen += planned.commitments_seen;
    if (rewrite) {
      counts.observations_added += planned.observations_added;
      counts.changes_added += planned.changes_added;
    }
    statements.push(
      ...writePlanStatements(
        db,
        plan,
        { runId, snapshotId: snapshot.id, observedAt: snapshot.fetched_at },
        { history: rewrite },
      ),
    );
  }
  if (missing.length > 0) statements.push(markArchiveMissingStatement(db, summary.missing, new Date().toISOString()));
  await db.batch([...statements, ...close("ok", { counts })]);
  const rewritten = stored.changes.slice(walk.kept.changes);
  const newChangeIds =
    counts.changes_added === 0
      ? []
      : await scrapedChangesOfRun(db, sourceIds, runId).then(
          (written) => newEvents(rewritten, written),
          (error) => {
            // The rebuild has landed. Its events go untold (the tick leaves a reprocess alone:
            // sending all of them would repeat those a rewrite wrote again).
            console.error(`reprocess run ${runId}: could not read back its change events:`, error);
            return undefined;
          },
        );
  return { ...summary, outcome: "ok", counts, kept: walk.kept, newChangeIds };
}

interface Walk {
  documents: { snapshot: SnapshotRow; plan: WritePlan; rewrite: boolean }[];
  /** Where the stored history stops being kept: the first observation and change event rewritten. */
  rewriteFrom: { observationId: number | null; changeId: number | null };
  kept: { observations: number; changes: number };
}

const OBSERVATION_COLUMNS = [
  "scorecard_id",
  "commitment_id",
  "dimension",
  "label",
  "vocabulary",
  "band",
  "score",
  "observed_at",
  "snapshot_id",
  "assessed_by",
  "effective_on",
] as const;
const CHANGE_COLUMNS = [
  "scorecard_id",
  "commitment_id",
  "kind",
  "dimension",
  "to_label",
  "to_band",
  "band_changed",
  "changed_at",
  "effective_on",
] as const;

/** What makes a change event the same event, whatever its id. */
const EVENT_IDENTITY = [...CHANGE_COLUMNS, "from_label", "from_band"] as const;

/** The ids of the events written that are not among those the rewrite replaced, as many times as written. */
function newEvents(replaced: StoredChange[], written: StoredChange[]): number[] {
  const key = (change: StoredChange) => JSON.stringify(EVENT_IDENTITY.map((column) => change[column] ?? null));
  const held = new Map<string, number>();
  for (const change of replaced) held.set(key(change), (held.get(key(change)) ?? 0) + 1);
  return written
    .filter((change) => {
      const times = held.get(key(change)) ?? 0;
      held.set(key(change), times - 1);
      return times <= 0;
    })
    .map((change) => change.id);
}

function sameRows<T extends object>(stored: T[], planned: T[], columns: readonly (keyof T)[]): boolean {
  return (
    stored.length === planned.length &&
    planned.every((row, i) => columns.every((c) => (stored[i]![c] ?? null) === (row[c] ?? null)))
  );
}

/**
 * Plans the rebuilt history document by document, and keeps the longest stretch of the stored
 * history that the rebuild would write again, row for row: those observations and change events
 * keep their ids, so links and caches do not churn; a reprocess with an unchanged rule writes
 * nothing. From the first document that differs, the stored history is rewritten. Because the
 * plans run over the whole sequence either way, the result is the same as rebuilding from
 * nothing, only with fewer writes.
 *
 * A document whose archive object is gone cannot be planned: what the record holds of it is kept
 * where it lies, and the plan state moves past it by those rows. If it lies after the first
 * difference, rewriting would delete it, so nothing changes and the reprocess says why.
 */
function keepAndRewrite(
  rule: Rule,
  accepted: Readable[],
  missing: SnapshotRow[],
  stored: { observations: StoredObservation[]; changes: StoredChange[] },
): Walk | { error: string } {
  const missingById = new Map(missing.map((m) => [m.id, m]));
  const state = emptyPlanState();
  const documents: Walk["documents"] = [];
  let o = 0;
  let c = 0;
  let diverged = false;

  // The stored rows of a document that is gone, from the cursors on: its observations, and the
  // change events written with them (membership events at its fetch time, and its observations').
  const keptRowsAt = (snapshot: SnapshotRow) => {
    let oEnd = o;
    while (stored.observations[oEnd]?.snapshot_id === snapshot.id) oEnd++;
    const observations = stored.observations.slice(o, oEnd);
    const ids = new Set(observations.map((row) => row.id));
    const scorecard = observations[0]?.scorecard_id;
    let cEnd = c;
    for (let change = stored.changes[cEnd]; change; change = stored.changes[++cEnd]) {
      const membership =
        change.to_observation_id === null &&
        change.scorecard_id === scorecard &&
        change.changed_at === snapshot.fetched_at;
      if (!membership && !(change.to_observation_id !== null && ids.has(change.to_observation_id))) break;
    }
    return { observations, changes: stored.changes.slice(c, cEnd), scorecard };
  };
  const carryMissingAtCursor = () => {
    for (let next = stored.observations[o]; next && missingById.has(next.snapshot_id); next = stored.observations[o]) {
      const kept = keptRowsAt(missingById.get(next.snapshot_id)!);
      carryKept(state, kept.scorecard!, kept.observations, kept.changes);
      o += kept.observations.length;
      c += kept.changes.length;
    }
  };

  for (const { snapshot, extraction } of accepted) {
    if (!diverged) carryMissingAtCursor();
    const plan = planWrites(rule, snapshot.source_id, extraction, state);
    if (!diverged) {
      const planned = plannedHistory(plan, { snapshotId: snapshot.id, observedAt: snapshot.fetched_at });
      const storedObservations = stored.observations.slice(o, o + planned.observations.length);
      const storedChanges = stored.changes.slice(c, c + planned.changes.length);
      if (
        sameRows(storedObservations, planned.observations, OBSERVATION_COLUMNS) &&
        sameRows(storedChanges, planned.changes, CHANGE_COLUMNS)
      ) {
        o += planned.observations.length;
        c += planned.changes.length;
      } else diverged = true;
    }
    documents.push({ snapshot, plan, rewrite: diverged });
  }
  if (!diverged) carryMissingAtCursor();

  const rest = stored.observations.slice(o);
  const lostWithRest = rest.find((row) => missingById.has(row.snapshot_id));
  if (lostWithRest) {
    return {
      error:
        `the current rule reads the archived documents differently from the record before snapshot ` +
        `${lostWithRest.snapshot_id}, whose archived document is gone: rewriting the history after the difference ` +
        `would lose that snapshot's observations. Nothing was changed.`,
    };
  }
  return {
    documents,
    rewriteFrom: { observationId: stored.observations[o]?.id ?? null, changeId: stored.changes[c]?.id ?? null },
    kept: { observations: o, changes: c },
  };
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
  const missing: SnapshotRow[] = [];
  for (const snapshot of snapshots) {
    let text: string;
    try {
      text = await readArchivedText(env.ARCHIVE, snapshot.archive_key, snapshot.content_type);
    } catch (error) {
      if ((await env.ARCHIVE.head(snapshot.archive_key)) !== null) throw error;
      missing.push(snapshot);
      continue;
    }
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
  return { accepted, skipped, missing };
}
