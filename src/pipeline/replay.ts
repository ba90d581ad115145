// Trying a changed page against the local service: the document is stored where local replay
// (FETCH_MODE=replay) answers the URL that the source's step fetches, so the source's next run
// reads it through the whole pipeline (archive, extract, validate, drift checks, apply) as if
// the publisher had published it. Local development only.
import { findRule } from "../../scrapers/index.ts";
import { DOCUMENT_KINDS, type DocumentKind } from "../../scrapers/lib/rule.ts";
import { stepFor } from "../../scrapers/lib/steps.ts";
import { lastSnapshotOfStep } from "../db/runs.ts";
import type { SourceRow } from "../db/sources.ts";
import { replayKey, SAMPLE_METADATA } from "./archive.ts";

/** Why a document cannot be replayed for a source: the maintainer's to fix, not a server error. */
export class ReplayRefused extends Error {
  override name = "ReplayRefused";
}

const CONTENT_TYPES: Record<DocumentKind, string> = {
  html: "text/html",
  csv: "text/csv",
  json: "application/json",
};

/** The document kind a Content-Type names: text/html, text/csv or application/json. */
export function kindOfContentType(contentType: string | null): DocumentKind | null {
  const type = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  return DOCUMENT_KINDS.find((kind) => CONTENT_TYPES[kind] === type) ?? null;
}

/** Stores `body` as what the source's step that reads its kind will fetch next; returns that URL and step. */
export async function replayDocument(
  env: Env,
  source: SourceRow,
  body: ArrayBuffer,
  contentType: string | null,
): Promise<{ url: string; step: string }> {
  if (env.FETCH_MODE !== "replay")
    throw new ReplayRefused("replaying a document works only on the local service (FETCH_MODE=replay)");
  const rule = findRule(source.rule_id);
  if (!rule) throw new ReplayRefused(`source "${source.id}" names rule "${source.rule_id}", which does not exist`);
  const kind = kindOfContentType(contentType);
  const step = kind && stepFor(rule, kind);
  if (!kind || !step) {
    const reads = rule.steps.map((s) => `${CONTENT_TYPES[s.accepts]} (step "${s.name}")`).join(", ");
    throw new ReplayRefused(`rule "${rule.id}" reads ${reads}; this document is ${contentType ?? "of no type"}`);
  }
  let url: string;
  if (step === rule.steps[0]) {
    url = rule.entry ? rule.entry(source.url) : source.url;
  } else {
    // A later step's URL is whatever the step before it found: the one the last run fetched.
    const last = await lastSnapshotOfStep(env.DB, source.id, step.name);
    if (!last)
      throw new ReplayRefused(
        `source "${source.id}" has never reached step "${step.name}": run it once, so that its steps find the URL to replay`,
      );
    url = last.requested_url ?? last.url;
  }
  // A maintainer's file is not the publisher's: what is built from it is marked a sample.
  await env.ARCHIVE.put(replayKey(url), body, {
    httpMetadata: { contentType: contentType ?? CONTENT_TYPES[kind] },
    customMetadata: { [SAMPLE_METADATA]: "true" },
  });
  return { url, step: step.name };
}
