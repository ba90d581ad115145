// One run of one source: fetch the entry document, follow the rule's steps, archive every
// document, stop if the extracted document is unchanged, extract, validate, check for drift,
// and apply in one batch. Whatever happens, the run ends with a `runs` row that says so.
import { findRule } from "../../scrapers/index.ts";
import {
  expectCount,
  ExtractionError,
  extractStep,
  validateExtraction,
  type Extraction,
  type Link,
  type Rule,
} from "../../scrapers/lib/rule.ts";
import { d1PolitenessStore } from "../db/politeness.ts";
import {
  confirmSeenStatements,
  hasLaterScorecards,
  loadPlanState,
  scorecardOwner,
  writePlanStatements,
} from "../db/ratings.ts";
import {
  finishRun,
  finishRunStatements,
  insertSnapshot,
  lastAppliedState,
  lastSnapshotOfStep,
  startRun,
  type RunCounts,
  type RunOutcome,
} from "../db/runs.ts";
import type { SourceRow } from "../db/sources.ts";
import { archiveBody, r2Replay, readArchived, sha256Hex } from "./archive.ts";
import { decodeBody, Fetcher, fetchPolicy, HostBusyError } from "./fetch.ts";
import { commitmentScope, planWrites, scorecardId } from "./plan.ts";
import type { JobMessage } from "./scheduler.ts";

export interface RunSummary {
  sourceId: string;
  runId: number;
  outcome: RunOutcome;
  counts?: RunCounts;
  error?: string;
  failedCheck?: string;
}

export function workerFetcher(env: Env): Fetcher {
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

/** The extraction's own checks passed; now check it against the rule's counts and the last good run. */
export function checkForDrift(rule: Rule, extraction: Extraction, lastGoodCount: number | null): void {
  const found = extraction.commitments.length;
  expectCount("commitments extracted", found, rule.expect.commitments);
  if (found === 0) throw new ExtractionError("the extraction is empty", "commitments extracted");
  if (lastGoodCount !== null && found < lastGoodCount * (1 - rule.expect.maxDrop)) {
    throw new ExtractionError(
      `commitments dropped from ${lastGoodCount} to ${found}, more than the rule's ${Math.round(rule.expect.maxDrop * 100)}% threshold`,
      "drop threshold",
    );
  }
}

export async function runSource(env: Env, source: SourceRow, options: { trigger: string }): Promise<RunSummary> {
  const now = () => new Date();
  const db = env.DB;
  const runId = await startRun(db, source.id, options.trigger, now().toISOString());
  let finalSnapshotId: number | null = null;
  const finish = async (outcome: RunOutcome, extra: Omit<RunSummary, "sourceId" | "runId" | "outcome"> = {}) => {
    await finishRun(db, source, {
      id: runId,
      outcome,
      finishedAt: now().toISOString(),
      snapshotId: finalSnapshotId,
      ...extra,
    });
    return { sourceId: source.id, runId, outcome, ...extra };
  };

  let summary: RunSummary;
  let applied_: { rule: Rule; scorecard: string; added: number };
  try {
    const rule = findRule(source.rule_id);
    if (!rule) throw new Error(`source "${source.id}" names rule "${source.rule_id}", which does not exist`);
    const fetcher = workerFetcher(env);

    // Fetch, archive and record one document; a 304 reuses the archived copy.
    const fetchDocument = async ({ url, carry = {} }: Link, step: string): Promise<Fetched> => {
      // The step's last document, if it was asked for at this URL: its validators make the request
      // conditional (a redirect records the final URL, so the URL asked for is kept too).
      const last = await lastSnapshotOfStep(db, source.id, step);
      const previous = last && (last.requested_url ?? last.url) === url ? last : null;
      const context = JSON.stringify(carry);
      const fetchedAt = now().toISOString();
      const document = await fetcher.fetch(url, previous);
      const requested_url = url;
      if ("notModified" in document) {
        if (!previous) throw new Error(`${url} answered 304 to a request that was not conditional`);
        const snapshotId = await insertSnapshot(db, {
          ...previous,
          run_id: runId,
          step,
          context,
          requested_url,
          fetched_at: fetchedAt,
          http_status: 304,
          // A 304 may carry fresher validators (RFC 9110 §15.4.5).
          etag: document.etag ?? previous.etag,
          last_modified: document.lastModified ?? previous.last_modified,
        });
        const body = await readArchived(env.ARCHIVE, previous.archive_key);
        const text = decodeBody(body, previous.content_type);
        return { snapshotId, fetchedAt, url: previous.url, carried: carry, sha256: previous.sha256, text };
      }
      const sha256 = await sha256Hex(document.body);
      const snapshotId = await insertSnapshot(db, {
        source_id: source.id,
        run_id: runId,
        step,
        context,
        requested_url,
        url: document.url,
        fetched_at: fetchedAt,
        http_status: document.status,
        etag: document.etag,
        last_modified: document.lastModified,
        content_type: document.contentType,
        sha256,
        size_bytes: document.body.byteLength,
        archive_key: await archiveBody(env.ARCHIVE, document.body, sha256, document.contentType),
      });
      return {
        snapshotId,
        fetchedAt,
        url: document.url,
        carried: carry,
        sha256,
        text: decodeBody(document.body, document.contentType),
      };
    };

    let link: Link = { url: rule.entry ? rule.entry(source.url) : source.url };
    let fetched: Fetched | undefined;
    for (const step of rule.steps) {
      fetched = await fetchDocument(link, step.name);
      if (step.kind === "follow") {
        const links = step.follow(fetched.text, { url: fetched.url, carried: fetched.carried });
        expectCount(`links found by step "${step.name}"`, links.length, step.expect);
        // One document is extracted per run; a step that may find several takes the first.
        const [next] = links;
        if (!next)
          throw new ExtractionError(
            `step "${step.name}" found no link to follow`,
            `links found by step "${step.name}"`,
          );
        link = { url: next.url, carry: { ...fetched.carried, ...next.carry } };
      }
    }
    const document = fetched!;
    finalSnapshotId = document.snapshotId;

    const step = extractStep(rule);
    const applied = await lastAppliedState(db, source.id, step.name);
    // Unchanged: the same bytes, reached the same way (what earlier steps passed on, such as a
    // publication's title, is part of what the extraction reads).
    const same = applied.documents.length === 1 && applied.documents[0]!.sha256 === document.sha256;
    if (same && applied.documents[0]!.context === JSON.stringify(document.carried)) {
      await db.batch([
        ...confirmSeenStatements(db, source.id, document.fetchedAt),
        ...finishRunStatements(db, source, {
          id: runId,
          outcome: "unchanged",
          finishedAt: now().toISOString(),
          snapshotId: finalSnapshotId,
        }),
      ]);
      return { sourceId: source.id, runId, outcome: "unchanged" };
    }

    const extraction = validateExtraction(
      rule,
      step.extract(document.text, { url: document.url, carried: document.carried }),
    );
    checkForDrift(rule, extraction, applied.commitments);
    const id = scorecardId(rule, extraction.scorecard.key);
    const owner = await scorecardOwner(db, id);
    if (owner !== null && owner !== source.id) {
      throw new Error(`scorecard "${id}" already belongs to source "${owner}"; two sources publish the same scorecard`);
    }
    const state = await loadPlanState(db, id, commitmentScope(rule, source.id));
    const plan = planWrites(rule, source.id, extraction, state);
    const counts: RunCounts = {
      commitments_seen: plan.commitments.length,
      observations_added: plan.observations.length,
      changes_added: plan.observations.filter((o) => o.moved).length,
    };
    // One batch: the run's writes and its closing row land together or not at all.
    await db.batch([
      ...writePlanStatements(db, plan, { runId, snapshotId: document.snapshotId, observedAt: document.fetchedAt }),
      ...finishRunStatements(db, source, {
        id: runId,
        outcome: "ok",
        finishedAt: now().toISOString(),
        snapshotId: document.snapshotId,
        counts,
      }),
    ]);
    applied_ = { rule, scorecard: id, added: counts.observations_added };
    summary = { sourceId: source.id, runId, outcome: "ok", counts };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof HostBusyError) return await finish("deferred", { error: message });
    const drift = error instanceof ExtractionError;
    console.error(`run ${runId} of ${source.id}: ${drift ? "drift" : "failed"}: ${message}`);
    return await finish(drift ? "drift" : "failed", { error: message, ...(drift ? { failedCheck: error.check } : {}) });
  }

  // After the commit, and outside the run's failure path: its writes have landed whatever happens here.
  // A scorecard that sorts before ones already recorded (a year ingested late) puts change events
  // out of order: rebuild the shared history in order.
  const { rule, scorecard, added } = applied_;
  try {
    if (rule.commitmentScope === "rule" && added > 0 && (await hasLaterScorecards(db, rule.id, scorecard))) {
      await env.SCRAPE_QUEUE.send({ kind: "reprocess", sourceId: source.id } satisfies JobMessage);
    }
  } catch (error) {
    console.error(`run ${runId} of ${source.id}: could not queue the reprocess that puts its history in order:`, error);
  }
  return summary;
}
