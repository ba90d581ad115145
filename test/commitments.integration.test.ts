import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, GMPP_SOURCES, HSC_SOURCES, runCron, seed } from "./helpers.ts";

interface Item {
  id: string;
  key: string;
  text: string;
  policy_area: string | null;
  target_date: string | null;
  url: string | null;
  scorecards: { id: string; title: string; url: string }[];
  ratings: Record<string, { label: string; band: string; score: number | null; effective_on: string }>;
  deadline: { target_date: string; status: string; days: number } | null;
}
interface Page {
  data: Item[];
  meta: { total: number; next: string | null; as_of: string | null; [key: string]: unknown };
}

async function page(path: string): Promise<Page> {
  const response = await api(path);
  expect(response.status, await response.clone().text()).toBe(200);
  return response.json<Page>();
}

/** Follows meta.next to the end, returning every id in order. */
async function walk(path: string): Promise<string[]> {
  const ids: string[] = [];
  let next: string | null = `https://scorecard.test${path}`;
  while (next) {
    const body: Page = await page(next.replace("https://scorecard.test", ""));
    ids.push(...body.data.map((c) => c.id));
    next = body.meta.next;
  }
  return ids;
}

async function expectProblem(path: string, detail: RegExp) {
  const response = await api(path);
  expect(response.status).toBe(400);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  expect((await response.json<{ detail: string }>()).detail).toMatch(detail);
}

describe("GET /v1/commitments", () => {
  it("is empty before anything was scraped", async () => {
    const body = await page("/v1/commitments");
    expect(body.data).toEqual([]);
    expect(body.meta).toMatchObject({ total: 0, next: null, as_of: null });
  });

  it("lists every commitment with its ratings and scorecards, and walks every page exactly once", async () => {
    await seed(HSC_SOURCES);
    await runCron();
    const all = await page("/v1/commitments?limit=200");
    const total = await env.DB.prepare("SELECT count(*) AS n FROM commitments").first<{ n: number }>();
    expect(all.meta.total).toBe(total!.n);
    expect(all.data.length).toBe(total!.n);
    const first = all.data[0]!;
    expect(first.scorecards[0]!.id).toMatch(/^hsc-expert-panel-/);
    expect(all.data.some((c) => Object.keys(c.ratings).length > 0)).toBe(true);
    const walked = await walk("/v1/commitments?limit=7");
    expect(walked).toEqual(all.data.map((c) => c.id));
    expect(new Set(walked).size).toBe(walked.length);
  });

  it("searches text with FTS5, ranked, and filters by rule, scorecard, band and key", async () => {
    await seed([...HSC_SOURCES, "gmpp-2024-25"]);
    await runCron();
    const panel = await page("/v1/commitments?rule=hsc-expert-panel&limit=200");
    expect(panel.data.every((c) => c.scorecards.every((s) => s.id.startsWith("hsc-expert-panel-")))).toBe(true);
    const word = panel.data[0]!.text.split(/\W+/).find((w) => w.length > 6)!;
    const found = await page(`/v1/commitments?q=${encodeURIComponent(word)}&limit=200`);
    expect(found.data.length).toBeGreaterThan(0);
    expect(found.data.some((c) => c.id === panel.data[0]!.id)).toBe(true);
    const red = await page("/v1/commitments?dimension=overall&band=red&limit=200");
    expect(red.data.length).toBeGreaterThan(0);
    expect(red.data.every((c) => c.ratings.overall!.band === "red")).toBe(true);
    const gmpp = await page("/v1/commitments?rule=gmpp&limit=1");
    const key = gmpp.data[0]!.key;
    const byKey = await page(`/v1/commitments?key=${encodeURIComponent(key)}`);
    expect(byKey.data.map((c) => c.key)).toEqual([key]);
  });

  it("refuses unknown and malformed parameters", async () => {
    await expectProblem("/v1/commitments?department=DHSC", /unknown parameter "department".*knows: q, scorecard/);
    await expectProblem("/v1/commitments?limit=0", /limit/);
    await expectProblem("/v1/commitments?cursor=!!", /cursor/);
    await expectProblem("/v1/commitments?band=purple", /band: must be one or more/);
    await expectProblem("/v1/commitments?as_of=2025-02-30", /as_of/);
    await expectProblem("/v1/commitments?deadline=late", /deadline/);
  });
});

describe("GET /v1/commitments/:id", () => {
  const project = "gmpp--dhsc-0067-2021-q3";
  interface Detail {
    as_of?: string;
    history: { dimension: string; effective_on: string; observed_at: string }[];
    changes: { effective_on: string | null }[];
    scorecards: { id: string }[];
  }

  it("as_of: the commitment as it stood then, by when its ratings took effect", async () => {
    await seed(GMPP_SOURCES);
    await runCron();
    const now = await (await api(`/v1/commitments/${project}`)).json<Detail>();
    const then = await (await api(`/v1/commitments/${project}?as_of=2023-03-31`)).json<Detail>();
    expect(then.as_of).toBe("2023-03-31");
    expect(then.history.length).toBeGreaterThan(0);
    expect(then.history.length).toBeLessThan(now.history.length);
    expect(then.history.every((o) => o.effective_on <= "2023-03-31")).toBe(true);
    expect(now.history.some((o) => o.effective_on > "2023-03-31")).toBe(true);
    expect(then.changes.every((c) => (c.effective_on ?? "") <= "2023-03-31")).toBe(true);
    expect(then.scorecards.length).toBeLessThan(now.scorecards.length);
    // Before anything about it took effect, it is absent, and the answer says so.
    const before = await api(`/v1/commitments/${project}?as_of=2000-01-01`);
    expect(before.status).toBe(404);
    expect((await before.json<{ detail: string }>()).detail).toMatch(/no rating in effect on 2000-01-01/);
  }, 120_000);

  it("as_of: a scorecard is in effect from the day any of its ratings is, a row's own earlier date included", async () => {
    const hc780 = "hsc-expert-panel-hc-780";
    await seed([hc780]);
    await runCron();
    const published = (await (await api(`/v1/scorecards/${hc780}`)).json<{ published_on: string }>()).published_on;
    const dayBefore = new Date(Date.parse(published) - 86_400_000).toISOString().slice(0, 10);
    expect((await api(`/v1/scorecards/${hc780}?as_of=${dayBefore}`)).status).toBe(404);
    // As a rule that reads each row's own "Last updated" date records it: one rating of this
    // scorecard in effect a year before the page was published (observations are append-only).
    const rowDated = "2022-01-31";
    await env.DB.prepare(
      `INSERT INTO observations (scorecard_id, commitment_id, dimension, label, band, score, vocabulary, observed_at,
                                 snapshot_id, run_id, effective_on, assessed_by)
       SELECT scorecard_id, commitment_id, dimension, label, band, score, vocabulary, observed_at, snapshot_id, run_id,
              ?2, assessed_by
       FROM observations WHERE scorecard_id = ?1 AND commitment_id IS NOT NULL AND band != 'not-rated' ORDER BY id LIMIT 1`,
    )
      .bind(hc780, rowDated)
      .run();
    const then = await api(`/v1/scorecards/${hc780}?as_of=${dayBefore}`);
    expect(then.status, await then.clone().text()).toBe(200);
    // Its commitments are listed then, and only the row-dated one has a rating in effect.
    const listed = await page(`/v1/commitments?scorecard=${hc780}&as_of=${dayBefore}`);
    const rated = listed.data.filter((c) => Object.keys(c.ratings).length > 0);
    expect(rated).toHaveLength(1);
    expect(Object.values(rated[0]!.ratings).map((r) => r.effective_on)).toEqual([rowDated]);
    expect((await api(`/v1/scorecards/${hc780}?as_of=2021-12-31`)).status).toBe(404);
  });

  it("a 404 for a publisher's key, a scorecard or a source id names the resource to ask instead", async () => {
    await seed(["gmpp-2022-23"]);
    await runCron();
    const detail = async (id: string) =>
      (await (await api(`/v1/commitments/${encodeURIComponent(id)}`)).json<{ status: number; detail: string }>())
        .detail;
    expect(await detail("DHSC_0067_2021-Q3")).toMatch(
      /publisher's key: ask \/v1\/commitments\?key=DHSC_0067_2021-Q3, or \/v1\/commitments\/gmpp--dhsc-0067-2021-q3/,
    );
    expect(await detail("gmpp-2022-23")).toMatch(/is a source: ask \/v1\/sources\/gmpp-2022-23/);
    expect(await detail("nothing-at-all")).toBe('There is no commitment "nothing-at-all".');
  }, 60_000);
});
