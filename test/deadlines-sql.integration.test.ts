// The overdue list is judged in SQL (src/db/search.ts, `deadline_passed`) so that the database
// pages and counts it. Its judgement must be domain/deadlines.ts's deadlineOf, row for row: here
// every passed status, alone and together, on several days, against the domain's own judgement
// of every dated commitment, walked page by page.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { matchCommitments } from "../src/db/search.ts";
import { deadlinesOn, today } from "../src/http/deadlines.ts";
import { api, HSC_SOURCES, makeAllDue, publish, runCron, seed, seedPage, seedUrl } from "./helpers.ts";

const HC_780 = "hsc-expert-panel-hc-780";

interface Page {
  data: { id: string; deadline: { status: string } | null }[];
  meta: { next: string | null; total: number };
}

async function listed(query: string): Promise<{ ids: string[]; total: number }> {
  const ids: string[] = [];
  let total = -1;
  for (let next: string | null = `/v1/commitments?${query}&limit=7`; next;) {
    const response = await api(next.replace("https://scorecard.test", ""));
    expect(response.status, await response.clone().text()).toBe(200);
    const page = await response.json<Page>();
    ids.push(...page.data.map((c) => c.id));
    total = page.meta.total;
    next = page.meta.next;
  }
  return { ids, total };
}

describe("the overdue list, judged in SQL", () => {
  it("lists exactly the commitments deadlineOf judges so, on every day and for every passed status", async () => {
    await seed([...HSC_SOURCES, "govuk-dwp-single-departmental-plan-2015-to-2020"]);
    await runCron();
    // The panel's page edited so that the NHS App commitment (due by 2024) is rated Good on "met",
    // the lowest score that counts as delivered (the boundary itself), and another commitment is
    // due by 2022 and rated below it.
    await publish(
      seedUrl(HC_780),
      seedPage(HC_780)
        .replace("(68% by March 2023)</td>\n      <td></td>", "(68% by March 2023)</td>\n      <td>Good</td>")
        .replace(
          "digital connection and personalised care</td>\n      <td></td>",
          "digital connection and personalised care by 2022</td>\n      <td>Requires improvement</td>",
        ),
    );
    await makeAllDue();
    await runCron();
    const seen = new Map<string, number>();
    for (const asOf of [undefined, "2019-06-30", "2023-06-30", "2024-12-31", "2025-01-01", "2025-07-01"]) {
      const day = asOf ?? today();
      const dated = await matchCommitments(env.DB, { has_target_date: true, as_of: asOf });
      const judged = await deadlinesOn(env.DB, dated, day);
      for (const statuses of [
        ["passed-met"],
        ["passed-not-met"],
        ["passed-unrated"],
        ["passed-not-met", "passed-unrated"],
        ["passed-met", "passed-not-met", "passed-unrated"],
      ]) {
        const expected = dated
          .filter((c) => statuses.includes(judged.get(c.id)?.status ?? ""))
          .map((c) => c.id)
          .sort();
        const { ids, total } = await listed(`deadline=${statuses.join(",")}${asOf ? `&as_of=${asOf}` : ""}`);
        expect(ids, `${statuses} on ${day}`).toEqual(expected);
        expect(total, `${statuses} on ${day}`).toBe(expected.length);
        for (const status of statuses)
          seen.set(status, (seen.get(status) ?? 0) + expected.filter((id) => judged.get(id)?.status === status).length);
      }
    }
    // Not vacuous: every passed status was met somewhere.
    expect(seen.get("passed-not-met")).toBeGreaterThan(0);
    expect(seen.get("passed-unrated")).toBeGreaterThan(0);
    expect(seen.get("passed-met")).toBeGreaterThan(0);
  }, 60_000);
});
