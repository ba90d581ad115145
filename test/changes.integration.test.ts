import * as cheerio from "cheerio";
import { env } from "cloudflare:workers";
import Papa from "papaparse";
import { describe, expect, it } from "vitest";
import { deadlinePassesOn } from "../domain/deadlines.ts";
import { api, makeAllDue, publish, runCron, seed, seedPage, seedUrl } from "./helpers.ts";

const HC_780 = "hsc-expert-panel-hc-780";

interface ChangeEvent {
  id: string;
  kind: string;
  commitment: { id: string; key: string; text: string } | null;
  scorecard: { id: string; title: string };
  dimension: string | null;
  from: { label: string; band: string; score: number | null; evidence: { url: string; sha256: string } | null } | null;
  to: { label: string; band: string; score: number | null; evidence: { url: string; sha256: string } | null } | null;
  direction: string | null;
  observed_at: string;
  effective_on: string | null;
  deadline?: { target_date: string; status: string };
}
interface Page {
  data: ChangeEvent[];
  meta: { next: string | null };
}

async function json<T>(path: string): Promise<T> {
  const response = await api(path);
  expect(response.status, await response.clone().text()).toBe(200);
  return response.json<T>();
}

/** HC 780 scraped, then republished with one rating worse, one better, and a formula for a commitment. */
async function twoRuns() {
  await seed([HC_780]);
  await runCron();
  const page = seedPage(HC_780);
  const edited = page
    .replace(
      "a functionally single record</td>\n      <td></td><td></td><td></td><td></td><td>Inadequate</td>",
      "a functionally single record</td>\n      <td></td><td></td><td></td><td></td><td>Requires improvement</td>",
    )
    .replace("progress: <strong>Inadequate</strong>", "progress: <strong>Good</strong>");
  expect(edited).not.toBe(page);
  await publish(seedUrl(HC_780), edited);
  await makeAllDue();
  await runCron();
}

describe("GET /v1/changes", () => {
  it("serves every event newest first, with both sides, their scores, direction and evidence", async () => {
    await twoRuns();
    const { data } = await json<Page>(`/v1/changes?scorecard=${HC_780}&kind=moved`);
    expect(data.map((e) => [e.commitment === null, e.dimension, e.from?.label, e.to?.label, e.direction])).toEqual(
      expect.arrayContaining([
        [false, "overall", "Inadequate", "Requires improvement", "better"],
        [true, "overall", "Inadequate", "Good", "better"],
      ]),
    );
    for (const e of data) {
      expect(e.from!.evidence!.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(e.to!.evidence!.sha256).not.toBe(e.from!.evidence!.sha256);
      expect(e.id).toMatch(/^ev_[0-9a-f]{20}$/);
    }
    const better = await json<Page>(`/v1/changes?direction=better&kind=moved`);
    expect(better.data.length).toBe(data.length);
    expect((await json<Page>(`/v1/changes?direction=worse&kind=moved`)).data).toEqual([]);
    const future = await json<Page>(`/v1/changes?since=2999-01-01`);
    expect(future.data).toEqual([]);
  });

  it("walks every event exactly once with a cursor, and its ids are stable", async () => {
    await twoRuns();
    const all = await json<Page>("/v1/changes?limit=200");
    expect(all.data.length).toBeGreaterThan(3);
    const ids: string[] = [];
    let next: string | null = "https://scorecard.test/v1/changes?limit=2";
    while (next) {
      const page: Page = await json<Page>(next.replace("https://scorecard.test", ""));
      ids.push(...page.data.map((e) => e.id));
      next = page.meta.next;
    }
    expect(ids).toEqual(all.data.map((e) => e.id));
    const times = all.data.map((e) => e.observed_at);
    expect([...times].sort().reverse()).toEqual(times);
    expect((await json<Page>("/v1/changes?limit=200")).data.map((e) => e.id)).toEqual(ids);
  });

  it("carries deadline-passed events for commitments whose deadline passed unrated", async () => {
    await seed(["govuk-dwp-single-departmental-plan-2015-to-2020"]);
    await runCron();
    const { data } = await json<Page>("/v1/changes?kind=deadline-passed&limit=200");
    expect(data.length).toBeGreaterThan(0);
    for (const e of data) {
      expect(e.deadline!.status).toBe("passed-unrated");
      expect(e.observed_at).toMatch(/T00:00:00.000Z$/);
      expect(e.effective_on! > e.deadline!.target_date.slice(0, 4)).toBe(true);
    }
    // Exactly the commitments whose deadline has passed, newest first, whichever way they are read.
    const { results } = await env.DB.prepare(
      "SELECT id, target_date FROM commitments WHERE target_date IS NOT NULL",
    ).all<{ id: string; target_date: string }>();
    const now = new Date().toISOString().slice(0, 10);
    const expected = results
      .flatMap((c) => {
        const on = deadlinePassesOn(c.target_date);
        return on !== null && on <= now ? [`${on} ${c.id}`] : [];
      })
      .sort()
      .reverse();
    const read = (events: Page["data"]) => events.map((e) => `${e.effective_on} ${e.commitment!.id}`);
    expect(read(data)).toEqual(expected);
    const walk = async (first: string) => {
      const events: Page["data"] = [];
      for (let next: string | null = first; next;) {
        const page: Page = await json<Page>(next.replace("https://scorecard.test", ""));
        events.push(...page.data);
        next = page.meta.next;
      }
      return read(events);
    };
    expect(await walk("/v1/changes?kind=deadline-passed&limit=3")).toEqual(expected);
    expect(await walk("/v1/changes?kind=deadline-passed&rule=govuk-commitments&limit=4")).toEqual(expected);
    const [until, since] = [expected[2]!.slice(0, 10), expected.at(-3)!.slice(0, 10)];
    expect(
      await walk(`/v1/changes?kind=deadline-passed&since=${since}T00:00:00.000Z&until=${until}T00:00:00.000Z&limit=2`),
    ).toEqual(expected.filter((e) => e.slice(0, 10) >= since && e.slice(0, 10) <= until));
  });

  it("is a CSV that a real parser reads back, and an Atom feed with the required elements", async () => {
    await twoRuns();
    const events = (await json<Page>("/v1/changes?limit=200")).data;
    const csv = await api("/v1/changes.csv?limit=200");
    expect(csv.headers.get("content-type")).toMatch(/^text\/csv/);
    const bytes = new Uint8Array(await csv.arrayBuffer());
    // UTF-8 with a byte-order mark, which TextDecoder drops by default.
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder().decode(bytes);
    expect(text.includes("\r\n")).toBe(true);
    const parsed = Papa.parse<Record<string, string>>(text, { header: true, skipEmptyLines: true });
    expect(parsed.errors).toEqual([]);
    expect(parsed.data.map((r) => r.id)).toEqual(events.map((e) => e.id));
    const byAccept = await api("/v1/changes?limit=200", { headers: { Accept: "text/csv" } });
    expect(await byAccept.text()).toBe(text);
    expect(byAccept.headers.get("vary") ?? "").toMatch(/accept/i);

    const atom = await api(`/v1/changes.atom?scorecard=${HC_780}`);
    expect(atom.headers.get("content-type")).toMatch(/^application\/atom\+xml/);
    const $ = cheerio.load(await atom.text(), { xml: true });
    expect($("feed").attr("xmlns")).toBe("http://www.w3.org/2005/Atom");
    for (const required of ["id", "title", "updated", "author > name"])
      expect($(`feed > ${required}`).text()).not.toBe("");
    const entries = $("feed > entry");
    expect(entries.length).toBeGreaterThan(0);
    entries.each((_, entry) => {
      for (const required of ["id", "title", "updated", "summary"]) expect($(entry).find(required).text()).not.toBe("");
      expect($(entry).find("link[rel=alternate]").attr("href")).toMatch(/^https:\/\/scorecard\.test\/v1\//);
      expect(Date.parse($(entry).find("updated").text())).not.toBeNaN();
    });
    expect(entries.map((_, e) => $(e).find("title").text()).get()).toContain(
      entries
        .map((_, e) => $(e).find("title").text())
        .get()
        .find((t) => t.includes("Inadequate → Requires improvement")),
    );
  });

  it("refuses bad parameters by name", async () => {
    for (const [path, detail] of [
      ["/v1/changes?direction=sideways", /direction/],
      ["/v1/changes?since=yesterday", /since/],
      ["/v1/changes?kind=exploded", /kind/],
      ["/v1/changes?limit=201", /limit/],
      ["/v1/changes?colour=red", /unknown parameter "colour"/],
    ] as const) {
      const response = await api(path);
      expect(response.status).toBe(400);
      expect((await response.json<{ detail: string }>()).detail).toMatch(detail);
    }
  });
});

describe("GET /v1/runs/:id", () => {
  it("serves one run, and 404s or 400s others", async () => {
    await seed([HC_780]);
    await runCron();
    const run = await json<{ id: number; outcome: string; source: { id: string } }>("/v1/runs/1");
    expect(run).toMatchObject({ id: 1, outcome: "ok", source: { id: HC_780 } });
    expect((await api("/v1/runs/999")).status).toBe(404);
    expect((await api("/v1/runs/abc")).status).toBe(400);
  });
});
