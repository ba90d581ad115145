// domain/text.ts and domain/schedule.ts: the pure helpers that the rules and the service share.
import { describe, expect, it } from "vitest";
import { intervalMs, nextRunAt } from "../domain/schedule.ts";
import { collapseWhitespace, slugify, textKey } from "../domain/text.ts";

describe("text", () => {
  it("collapses whitespace as published, non-breaking and zero-width spaces included", () => {
    expect(collapseWhitespace("  Requires\u00a0\n improvement\u200b ")).toBe("Requires improvement");
  });

  it("slugifies free text, cut at a word boundary", () => {
    expect(slugify("Crème brûlée: 75% of adults!")).toBe("creme-brulee-75-percent-of-adults");
    expect(slugify("one two three", 8)).toBe("one-two");
  });

  it("keys long texts that begin alike apart, by a hash of the whole text", () => {
    const a = textKey(`${"word ".repeat(20)}one`);
    const b = textKey(`${"word ".repeat(20)}two`);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^word(?:-word)*-[0-9a-f]{8}$/);
    expect(textKey("short text")).toBe("short-text");
  });
});

describe("schedule", () => {
  it("reads intervals, and refuses what is not one", () => {
    expect(intervalMs("30m")).toBe(30 * 60_000);
    expect(intervalMs("7d")).toBe(7 * 86_400_000);
    expect(nextRunAt(new Date("2026-01-01T00:00:00Z"), "6h")).toBe("2026-01-01T06:00:00.000Z");
    expect(() => intervalMs("daily")).toThrow(/not a schedule/);
  });
});
