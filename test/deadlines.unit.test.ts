import { describe, expect, it } from "vitest";
import { deadlineEnd, deadlineOf, deadlinePassesOn, type Delivery } from "../domain/deadlines.ts";

const met: Delivery = { dimension: "met", deliveredFrom: 67 };

describe("deadlineEnd: a target date ends with the period it names", () => {
  it.each([
    ["2030", "2030-12-31"],
    ["2025-03", "2025-03-31"],
    ["2024-02", "2024-02-29"],
    ["2023-02", "2023-02-28"],
    ["2025-12", "2025-12-31"],
    ["2025-03-14", "2025-03-14"],
  ])("%s ends on %s", (target, end) => {
    expect(deadlineEnd(target)).toBe(end);
  });

  it("refuses what is not YYYY, YYYY-MM or YYYY-MM-DD", () => {
    // A financial year must be read into its ending month first: "2024-25" names no month 25.
    expect(deadlineEnd("2024-25")).toBeNull();
    expect(deadlineEnd("2025-02-30")).toBeNull();
    expect(deadlineEnd("March 2025")).toBeNull();
    expect(deadlineOf("soon", "2025-01-01", met, null)).toBeNull();
  });

  it("passes the day after it ends", () => {
    expect(deadlinePassesOn("2024")).toBe("2025-01-01");
    expect(deadlinePassesOn("2025-03")).toBe("2025-04-01");
    expect(deadlinePassesOn("2025-03-14")).toBe("2025-03-15");
  });
});

describe("deadlineOf at each boundary, with a fixed clock", () => {
  // A UK financial year "2024-25" is stored as "2025-03": it ends on 31 March 2025.
  const target = "2025-03";

  it("is upcoming more than 90 days before its last day", () => {
    expect(deadlineOf(target, "2024-12-30", met, null)).toEqual({ target_date: target, status: "upcoming", days: 91 });
  });

  it("is due soon from 90 days before its last day to that day itself", () => {
    expect(deadlineOf(target, "2024-12-31", met, null)).toMatchObject({ status: "due-soon", days: 90 });
    expect(deadlineOf(target, "2025-03-31", met, 0)).toMatchObject({ status: "due-soon", days: 0 });
  });

  it("has passed the day after, judged by the delivery rating", () => {
    expect(deadlineOf(target, "2025-04-01", met, 67)).toMatchObject({ status: "passed-met", days: -1 });
    expect(deadlineOf(target, "2025-04-01", met, 100)).toMatchObject({ status: "passed-met" });
    expect(deadlineOf(target, "2025-04-01", met, 33)).toMatchObject({ status: "passed-not-met" });
    expect(deadlineOf(target, "2025-04-01", met, 0)).toMatchObject({ status: "passed-not-met" });
    expect(deadlineOf(target, "2025-04-01", met, null)).toMatchObject({ status: "passed-unrated" });
  });

  it("never reports met for a rule that declares no delivery dimension", () => {
    expect(deadlineOf(target, "2026-01-01", null, 100)).toMatchObject({ status: "passed-unrated", days: -276 });
  });

  it("counts whole days across a leap day and a year end", () => {
    expect(deadlineOf("2024", "2024-01-01", met, null)).toMatchObject({ days: 365, status: "upcoming" });
    expect(deadlineOf("2024-03-01", "2024-02-28", met, null)).toMatchObject({ days: 2 });
  });
});
