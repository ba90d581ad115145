// Runs a rule outside the Worker: on a saved file (the step that reads that kind of document)
// or on a live URL (every step, fetched politely). Shared by the CLI and rules:check.
import { readFile } from "node:fs/promises";
import { extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { findRule, RULES } from "../scrapers/index.ts";
import { DOCUMENT_KINDS, type DocumentKind, type Link, type Rule } from "../scrapers/lib/rule.ts";
import { extractStep, findLinks, nextLink, stepFor } from "../scrapers/lib/steps.ts";
import { validateExtraction } from "../scrapers/lib/validate.ts";
import { decodeBody } from "../src/pipeline/fetch/decode.ts";
import { Fetcher } from "../src/pipeline/fetch/fetcher.ts";
import { fetchPolicy } from "../src/pipeline/fetch/policy.ts";
import { memoryPolitenessStore } from "./memory-politeness-store.ts";
import { extractionJson, linksJson, type RuleOutput } from "./rule-output.ts";

export class UsageError extends Error {}

export function loadRule(id: string): Rule {
  const rule = findRule(id);
  if (!rule) throw new UsageError(`There is no rule "${id}". Rules: ${RULES.map((r) => r.id).join(", ")}.`);
  if (rule.broken !== undefined) throw new UsageError(rule.broken);
  return rule;
}

const KIND_BY_EXTENSION: Record<string, DocumentKind> = {
  ".html": "html",
  ".htm": "html",
  ".csv": "csv",
  ".json": "json",
};

export function kindOfFile(path: string): DocumentKind {
  const kind = KIND_BY_EXTENSION[extname(path).toLowerCase()];
  if (!kind)
    throw new UsageError(
      `Cannot tell what kind of document ${path} is: name it .html, .csv or .json (${DOCUMENT_KINDS.join(", ")}).`,
    );
  return kind;
}

/** Runs the one step of `rule` that reads this kind of document. */
export function runStepOn(rule: Rule, kind: DocumentKind, text: string, url: string): RuleOutput {
  const step = stepFor(rule, kind);
  if (!step) {
    const reads = rule.steps.map((s) => `${s.accepts} (step "${s.name}")`).join(", ");
    throw new UsageError(`Rule "${rule.id}" has no step that reads ${kind}; its steps read: ${reads}.`);
  }
  const context = { url, carried: {} };
  if (step.kind === "follow") return linksJson(rule, step.name, findLinks(step, text, context));
  return extractionJson(rule, validateExtraction(rule, step.extract(text, context)));
}

/** A saved document's text. A file names no charset: UTF-8 if it is valid UTF-8, else windows-1252, as the pipeline decodes it. */
export async function readSavedFile(path: string): Promise<string> {
  return decodeBody(await readFile(path), null);
}

export async function runOnFile(rule: Rule, path: string): Promise<RuleOutput> {
  let text: string;
  try {
    text = await readSavedFile(path);
  } catch {
    throw new UsageError(`There is no file ${path}.`);
  }
  return runStepOn(rule, kindOfFile(path), text, pathToFileURL(resolve(path)).href);
}

/** Every step, live, as the Worker would run it. */
export async function runOnUrl(rule: Rule, url: string): Promise<RuleOutput> {
  // The CLI runs on a maintainer's machine, so a page served from it (loopback) may be tried;
  // every other hop stays on the rule's hosts, as in the Worker.
  const fetcher = new Fetcher(
    fetchPolicy({ ...process.env, LOCAL_DEV_ALLOW_LOOPBACK: "true" }),
    memoryPolitenessStore(),
  );
  const scope = { allowedHosts: rule.allowedHosts ?? [], maxBodyBytes: rule.maxBodyBytes };
  let link: Link = { url: rule.entry ? rule.entry(url) : url };
  for (const step of rule.steps) {
    const document = await fetcher.fetch(link.url, null, scope);
    if ("notModified" in document) throw new Error(`${link.url} answered 304 to an unconditional request`);
    const text = decodeBody(document.body, document.contentType);
    const context = { url: document.url, carried: link.carry ?? {} };
    if (step.kind === "follow") {
      link = nextLink(step, text, context);
    } else {
      return extractionJson(rule, validateExtraction(rule, extractStep(rule).extract(text, context)));
    }
  }
  throw new Error(`rule "${rule.id}" has no extract step`);
}
