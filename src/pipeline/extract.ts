// Reading a document with a rule: its extract step, then validation of what it read. Shared by
// a scrape (run.ts, the document just fetched) and a reprocess (reprocess.ts, an archived one),
// so that both read, and refuse, the same documents the same way.
import { extractStep } from "../../scrapers/lib/steps.ts";
import type { Extraction, Rule, StepContext } from "../../scrapers/lib/rule.ts";
import { validateExtraction } from "../../scrapers/lib/validate.ts";

/** The rule's extraction of a document, validated; an ExtractionError (drift) if it cannot read it. */
export function extractDocument(rule: Rule, text: string, context: StepContext): Extraction {
  return validateExtraction(rule, extractStep(rule).extract(text, context));
}
