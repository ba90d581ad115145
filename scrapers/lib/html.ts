// Counted selectors: each says how many items it expects, so a layout change fails loudly
// instead of quietly returning nothing.
import type { CheerioAPI } from "cheerio/slim";
import { collapseWhitespace } from "../../src/vocabularies.ts";
import { expectCount, type Expected } from "./rule.ts";

/** Whatever `$()` returns. */
export type Selection = ReturnType<CheerioAPI>;

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
