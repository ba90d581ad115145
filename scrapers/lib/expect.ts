// Counted expectations: every selection a rule depends on says how many items it expects,
// and fails loudly, naming the selector or check, when the page has another number. A layout
// change then surfaces as drift instead of quietly returning nothing (as spatula's selectors do).
import type { CheerioAPI } from "cheerio/slim";

/** How many items a selector or step expects: exactly n, or a range. */
export type Expected = number | { min?: number; max?: number };

/** The page no longer looks the way the rule expects. `check` names what failed. */
export class ExtractionError extends Error {
  override name = "ExtractionError";
  readonly check: string;
  constructor(message: string, check = "extraction") {
    super(message);
    this.check = check;
  }
}

function describeExpected(expected: Expected): string {
  if (typeof expected === "number") return `exactly ${expected}`;
  const { min, max } = expected;
  if (min !== undefined && max !== undefined) return `${min} to ${max}`;
  if (min !== undefined) return `at least ${min}`;
  return `at most ${max}`;
}

/** Fails, naming `what`, unless `found` items meet the expectation. */
export function expectCount(what: string, found: number, expected: Expected): void {
  const ok =
    typeof expected === "number"
      ? found === expected
      : found >= (expected.min ?? 0) && found <= (expected.max ?? Infinity);
  if (!ok) throw new ExtractionError(`${what}: expected ${describeExpected(expected)}, found ${found}`, what);
}

/** Whatever `$()` returns. */
export type Selection = ReturnType<CheerioAPI>;

/** `$(selector)` that fails unless it finds the expected number of elements. */
export function select($: CheerioAPI, selector: string, expected: Expected): Selection {
  const found = $(selector);
  expectCount(`selector "${selector}"`, found.length, expected);
  return found;
}
