// Counted selectors: each says how many items it expects, so a layout change fails loudly
// instead of quietly returning nothing.
import type { CheerioAPI } from "cheerio/slim";
import { collapseWhitespace } from "../../src/vocabularies.ts";
import { ExtractionError } from "./rule.ts";

/** Whatever `$()` returns. */
export type Selection = ReturnType<CheerioAPI>;

export type Expected = number | { min?: number; max?: number };

function describe(expected: Expected): string {
  if (typeof expected === "number") return `exactly ${expected}`;
  const { min, max } = expected;
  if (min !== undefined && max !== undefined) return `${min} to ${max}`;
  if (min !== undefined) return `at least ${min}`;
  return `at most ${max}`;
}

/** Fails unless `found` items meet the expectation. */
export function expectCount(what: string, found: number, expected: Expected): void {
  const ok =
    typeof expected === "number"
      ? found === expected
      : found >= (expected.min ?? 0) && found <= (expected.max ?? Infinity);
  if (!ok) throw new ExtractionError(`${what}: expected ${describe(expected)}, found ${found}`);
}

/** `$(selector)` that fails unless it finds the expected number of elements. */
export function select($: CheerioAPI, selector: string, expected: Expected): Selection {
  const found = $(selector);
  expectCount(`selector "${selector}"`, found.length, expected);
  return found;
}

/** An element's text as a reader sees it: line breaks and footnote markers become spaces. */
export function visibleText($: CheerioAPI, element: Selection): string {
  const copy = element.clone();
  copy.find("br").replaceWith(" ");
  copy.find("sup").each((_, sup) => {
    $(sup).before(" ");
  });
  return collapseWhitespace(copy.text());
}
