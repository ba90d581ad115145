// Running a rule's steps: the extract step, the links a follow step finds (counted), and the
// step that reads a kind of document.
import { expectCount, ExtractionError } from "./expect.ts";
import type { DocumentKind, ExtractStep, FollowStep, Link, Rule, Step, StepContext } from "./rule.ts";

export function extractStep(rule: Rule): ExtractStep {
  return rule.steps.at(-1) as ExtractStep;
}

/** Runs a follow step: the links it finds, checked against the number it expects. */
export function findLinks(step: FollowStep, document: string, context: StepContext): Link[] {
  const links = step.follow(document, context);
  expectCount(`links found by step "${step.name}"`, links.length, step.expect);
  return links;
}

/**
 * The link a run fetches next: the first one found (one document is extracted per run),
 * carrying what earlier steps knew as well as what this one adds.
 */
export function nextLink(step: FollowStep, document: string, context: StepContext): Link {
  const [next] = findLinks(step, document, context);
  if (!next)
    throw new ExtractionError(`step "${step.name}" found no link to follow`, `links found by step "${step.name}"`);
  return { url: next.url, carry: { ...context.carried, ...next.carry } };
}

/** The step that reads a kind of document, as when a maintainer hands the CLI a saved file. */
export function stepFor(rule: Rule, kind: DocumentKind): Step | undefined {
  return rule.steps.find((step) => step.accepts === kind);
}
