// src/pipeline/webhooks.ts, pure parts: Stripe-style signatures, the backoff schedule, filters.
import { describe, expect, it } from "vitest";
import type { ChangeEvent } from "../src/db/webhooks.ts";
import { GIVE_UP_AFTER_MS, matchesFilters, nextDelaySeconds, signature } from "../src/pipeline/webhooks.ts";

describe("signature", () => {
  it("is t=<unix>,v1=<hex HMAC-SHA256 of 't.body'>", async () => {
    // HMAC-SHA256("secret", "1700000000.{}"), computed independently.
    const key = await crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode("secret"),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode("1700000000.{}")));
    const hex = [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
    expect(await signature("secret", "{}", 1700000000)).toBe(`t=1700000000,v1=${hex}`);
    expect(await signature("secret", "{} ", 1700000000)).not.toBe(`t=1700000000,v1=${hex}`);
  });
});

describe("backoff", () => {
  it("doubles from 30 s, at most 12 h apart, and stops a day after the delivery was made", () => {
    const created = new Date("2026-01-01T00:00:00Z");
    let now = created;
    const delays: number[] = [];
    for (let attempts = 1; ; attempts++) {
      const delay = nextDelaySeconds(attempts, created, now);
      if (delay === null) break;
      delays.push(delay);
      now = new Date(now.getTime() + delay * 1000);
    }
    expect(delays.slice(0, 5)).toEqual([30, 60, 120, 240, 480]);
    expect(Math.max(...delays)).toBeLessThanOrEqual(12 * 3600);
    expect(now.getTime() - created.getTime()).toBe(GIVE_UP_AFTER_MS);
    expect(delays.length).toBe(12);
  });
});

describe("filters", () => {
  const change: ChangeEvent = {
    id: 1,
    kind: "moved",
    rule_id: "gmpp",
    source_id: "gmpp-2024-25",
    scorecard_id: "gmpp-2024-25",
    commitment_id: "c",
    dimension: "dca",
    from: { label: "Amber", band: "amber", score: 50 },
    to: { label: "Red", band: "red", score: 0 },
    band_changed: true,
    direction: "worse",
    changed_at: "2026-01-01T00:00:00Z",
    effective_on: "2025-03-31",
    run_id: 1,
    correction: null,
  };
  it("match when every filter given matches", () => {
    expect(matchesFilters(change, {})).toBe(true);
    expect(matchesFilters(change, { rule: "gmpp", dimension: "dca", direction: "worse", kind: "moved" })).toBe(true);
    expect(matchesFilters(change, { direction: "better" })).toBe(false);
    expect(matchesFilters(change, { rule: "gmpp", source: "gmpp-2023-24" })).toBe(false);
    expect(matchesFilters(change, { scorecard: "other" })).toBe(false);
  });
});
