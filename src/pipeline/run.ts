// One run of one source: fetch the entry document, follow the rule's steps, archive every
// document, stop if the extracted document is unchanged, extract, validate, check for drift,
// and apply in one batch. Whatever happens, the run ends with a `runs` row that says so.
import { findRule } from "../../scrapers/index.ts";
import { ExtractionError } from "../../scrapers/lib/expect.ts";
import { extractStep, nextLink } from "../../scrapers/lib/steps.ts";
import { type DocumentKind, type Link, type Rule, usableRule } from "../../scrapers/lib/rule.ts";
import { d1PolitenessStore } from "../db/politeness.ts";
import {
  confirmSeenStatements,
  hasLaterScorecards,
  lastRatedCells,
  latestForPlanning,
  scorecardOwner,
  writePlanStatements,
} from "../db/observations.ts";
import {
  finishRun,
  finishRunStatements,
  insertSnapshot,
  lastAppliedState,
  lastSnapshotOfRun,
  lastSnapshotOfStep,
  startQueuedRun,
  startRun,
  type RunCost,
  type RunCounts,
  type RunOutcome,
} from "../db/runs.ts";
import type { SourceRow } from "../db/sources.ts";
import { countingStatements } from "../db/statements.ts";
import { archiveBody, r2Replay, readArchivedText, sha256Hex } from "./archive.ts";
import { checkForDrift, checkRatingsKept } from "./drift.ts";
import { extractDocument } from "./extract.ts";
import { contentTypeMismatch } from "./fetch/content-type.ts";
import { decodeBody } from "./fetch/decode.ts";
import { Fetcher, HostBusyError, type FetchScope } from "./fetch/fetcher.ts";
import { fetchPolicy } from "./fetch/policy.ts";
import { commitmentScope, countsOf, planStateOf, planWrites, scorecardId } from "./plan.ts";

export interface RunSummary {
  sourceId: string;
  runId: number;
  outcome: RunOutcome;
  counts?: RunCounts;
  error?: string;
  failedCheck?: string;
}

function workerFetcher(env: Env): Fetcher {
  return new Fetcher(
    fetchPolicy(env),
    d1PolitenessStore(env.DB),
    env.FETCH_MODE === "replay" ? r2Replay(env.ARCHIVE) : undefined,
  );
}

interface Fetched {
  snapshotId: number;
  fetchedAt: string;
  url: string;
  carried: Record<string, string>;
  sha256: string;
  text: string;
}

/** What one run works with. */
interface RunContext {
  env: Env;
  source: SourceRow;
  runId: number;
  fetcher: Fetcher;
  /** What the rule lets the fetcher do: its hosts and its body cap. */
  scope: FetchScope;
  /** Milliseconds spent waiting on fetches so far. */
  fetching: { ms: number };
  /** The run's cost so far, counting `alongside` statements about to run with the closing ones. */
  cost: (alongside: number) => RunCost;
}

/** Fetches one step's document, archives it and records its snapshot; a 304 reuses the archived copy. */
async function fetchStepDocument(
  { env, source, runId, fetcher, scope, fetching }: RunContext,
  { url, carry = {} }: Link,
  step: string,
  accepts: DocumentKind,
): Promise<Fetched> {
  const db = env.DB;
  // The step's last document, if it was asked for at this URL: its validators make the request
  // conditional (a redirect records the final URL, so the URL asked for is kept too).
  const last = await lastSnapshotOfStep(db, source.id, step);
  const previous = last && (last.requested_url ?? last.url) === url ? last : null;
  const recorded = { source_id: source.id, run_id: runId, step, context: JSON.stringify(carry), requested_url: url };
  const fetchedAt = new Date().toISOString();
  const fetchStarted = Date.now();
  const document = await fetcher.fetch(url, previous, scope);
  fetching.ms += Date.now() - fetchStarted;
  if ("notModified" in document) {
    if (!previous) throw new Error(`${url} answered 304 to a request that was not conditional`);
    const snapshotId = await insertSnapshot(db, {
      ...previous,
      ...recorded,
      fetched_at: fetchedAt,
      http_status: 304,
      // A 304 may carry fresher validators (RFC 9110 §15.4.5).
      etag: document.etag ?? previous.etag,
      last_modified: document.lastModified ?? previous.last_modified,
      // The publisher answered: the bytes are the ones it has, whatever they are.
      origin: "live",
    });
    const text = await readArchivedText(env.ARCHIVE, previous.archive_key, previous.content_type);
    return { snapshotId, fetchedAt, url: previous.url, carried: carry, sha256: previous.sha256, text };
  }
  const mismatch = document.origin === "seed-archive" ? null : contentTypeMismatch(document.contentType, accepts);
  if (mismatch) throw new Error(`${document.url} was not read: ${mismatch}`);
  const sha256 = await sha256Hex(document.body);
  const snapshotId = await insertSnapshot(db, {
    ...recorded,
    url: document.url,
    fetched_at: fetchedAt,
    http_status: document.status,
    etag: document.etag,
    last_modified: document.lastModified,
    content_type: document.contentType,
    sha256,
    size_bytes: document.body.byteLength,
    archive_key: await archiveBody(env.ARCHIVE, document.body, sha256, document.contentType, {
      source: source.id,
      step,
      url: document.url,
      requested_url: url,
      fetched_at: fetchedAt,
      http_status: String(document.status),
      content_type: document.contentType ?? "",
      etag: document.etag ?? "",
      last_modified: document.lastModified ?? "",
      context: recorded.context,
      origin: document.origin ?? "live",
      sample: document.sample ? "true" : "false",
    }),
    origin: document.origin ?? "live",
    sample: document.sample ? 1 : 0,
  });
  const text = decodeBody(document.body, document.contentType);
  return { snapshotId, fetchedAt, url: document.url, carried: carry, sha256, text };
}

/** Fetches the rule's entry document and follows its steps to the document it extracts. */
async function followSteps(run: RunContext, rule: Rule): Promise<Fetched> {
  let link: Link = { url: rule.entry ? rule.entry(run.source.url) : run.source.url };
  let fetched: Fetched | undefined;
  for (const step of rule.steps) {
    fetched = await fetchStepDocument(run, link, step.name, step.accepts);
    if (step.kind === "follow") link = nextLink(step, fetched.text, { url: fetched.url, carried: fetched.carried });
  }
  return fetched!;
}

/** The scrape itself. It closes the run when it succeeds; a failure is the caller's to record. */
async function scrape(run: RunContext, rule: Rule): Promise<RunSummary & { scorecard?: string }> {
  const { env, source, runId } = run;
  const db = env.DB;
  const document = await followSteps(run, rule);
  const step = extractStep(rule);
  const applied = await lastAppliedState(db, source.id, step.name);
  const close = (outcome: RunOutcome, alongside: D1PreparedStatement[], counts?: RunCounts) =>
    finishRunStatements(db, source, {
      id: runId,
      outcome,
      finishedAt: new Date().toISOString(),
      snapshotId: document.snapshotId,
      counts,
      cost: run.cost(alongside.length),
    });

  // Unchanged: the same bytes, reached the same way (what earlier steps passed on, such as a
  // publication's title, is part of what the extraction reads).
  const [last] = applied.documents;
  if (
    applied.documents.length === 1 &&
    last!.sha256 === document.sha256 &&
    last!.context === JSON.stringify(document.carried)
  ) {
    const confirm = confirmSeenStatements(db, source.id, document.fetchedAt);
    await db.batch([...confirm, ...close("unchanged", confirm)]);
    return { sourceId: source.id, runId, outcome: "unchanged" };
  }

  const extraction = extractDocument(rule, document.text, { url: document.url, carried: document.carried });
  checkForDrift(rule, extraction, applied.commitments);
  const scorecard = scorecardId(rule, extraction.scorecard.key);
  const owner = await scorecardOwner(db, scorecard);
  if (owner !== null && owner !== source.id) {
    throw new Error(
      `scorecard "${scorecard}" already belongs to source "${owner}"; two sources publish the same scorecard`,
    );
  }
  // Against this scorecard's own last good state: where scorecards share commitments (the GMPP
  // years), another year's ratings say nothing of what this page stopped showing.
  checkRatingsKept(rule, source.id, extraction, await lastRatedCells(db, scorecard));
  const plan = planWrites(
    rule,
    source.id,
    extraction,
    planStateOf(await latestForPlanning(db, scorecard, commitmentScope(rule, source.id))),
  );
  const counts = countsOf(plan);
  // One batch: the run's writes and its closing row land together or not at all.
  const writes = writePlanStatements(db, plan, {
    runId,
    snapshotId: document.snapshotId,
    observedAt: document.fetchedAt,
  });
  await db.batch([...writes, ...close("ok", writes, counts)]);
  return { sourceId: source.id, runId, outcome: "ok", counts, scorecard };
}

/**
 * A scorecard that sorts before ones already recorded (a year ingested late) puts change
 * events out of order: the shared history needs a reprocess that rebuilds it in order. This is
 * asked after the commit, outside the run's failure path: the run's writes have landed regardless.
 */
async function needsReorder(env: Env, source: SourceRow, rule: Rule, scorecard: string): Promise<boolean> {
  try {
    return rule.commitmentScope === "rule" && (await hasLaterScorecards(env.DB, rule.id, scorecard));
  } catch (error) {
    console.error(`${source.id}: could not queue the reprocess that puts its history in order:`, error);
    return false;
  }
}

/**
 * Runs one source, and says what should happen next: `reorder` when the run applied a scorecard
 * that sorts before ones already recorded, for the queue consumer to enqueue its reprocess.
 */
export async function runSource(
  workerEnv: Env,
  source: SourceRow,
  /** `runId`: a run requested over the API, recorded as queued when it was accepted. */
  options: { trigger: string; runId?: number | undefined },
): Promise<RunSummary & { reorder?: true }> {
  // Every statement the run makes goes through this count, for its record.
  const statements = countingStatements(workerEnv.DB);
  const env: Env = { ...workerEnv, DB: statements.db };
  const db = env.DB;
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const fetching = { ms: 0 };
  const cost = (alongside: number): RunCost => ({
    durationMs: Date.now() - started,
    fetchMs: fetching.ms,
    statements: statements.count() + alongside,
  });
  const runId =
    options.runId !== undefined && (await startQueuedRun(db, options.runId, source.id, startedAt))
      ? options.runId
      : await startRun(db, source.id, options.trigger, startedAt);
  let summary: RunSummary & { scorecard?: string };
  let rule: Rule | undefined;
  try {
    rule = findRule(source.rule_id);
    if (!rule) throw new Error(`source "${source.id}" names rule "${source.rule_id}", which does not exist`);
    usableRule(rule);
    const scope = { allowedHosts: rule.allowedHosts ?? [], maxBodyBytes: rule.maxBodyBytes };
    summary = await scrape({ env, source, runId, fetcher: workerFetcher(env), scope, fetching, cost }, rule);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const drift = error instanceof ExtractionError;
    const outcome: RunOutcome = error instanceof HostBusyError ? "deferred" : drift ? "drift" : "failed";
    if (outcome !== "deferred") console.error(`run ${runId} of ${source.id}: ${outcome}: ${message}`);
    const failedCheck = drift ? error.check : undefined;
    // The snapshot the run last recorded, if any, is where it stopped.
    const stoppedAt = await lastSnapshotOfRun(db, runId);
    await finishRun(db, source, {
      id: runId,
      outcome,
      finishedAt: new Date().toISOString(),
      snapshotId: stoppedAt,
      error: message,
      failedCheck,
      cost: cost(0),
    });
    return { sourceId: source.id, runId, outcome, error: message, ...(failedCheck ? { failedCheck } : {}) };
  }
  const { scorecard, ...result } = summary;
  if (scorecard && (result.counts?.observations_added ?? 0) > 0 && (await needsReorder(env, source, rule, scorecard)))
    return { ...result, reorder: true };
  return result;
}
