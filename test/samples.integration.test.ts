// Honest samples: a document replayed from the seeds says so, and so does every scorecard built
// on a reconstructed sample, until a live document replaces it.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { replayKey } from "../src/pipeline/archive.ts";
import { api, makeAllDue, publish, runCron, seed, seeded, seedPage, seedUrl } from "./helpers.ts";

const HC_780 = "hsc-expert-panel-hc-780";
const DWP = "govuk-dwp-single-departmental-plan-2015-to-2020";
const DWP_SCORECARD = "govuk-commitments-dwp-single-departmental-plan-2015-to-2020";
const GMPP = "gmpp-2024-25";

afterEach(() => {
  vi.restoreAllMocks();
});

interface Provenance {
  url: string;
  origin: string;
  sample: boolean;
}

async function listed(): Promise<Record<string, boolean>> {
  const { data } = await (await api("/v1/scorecards")).json<{ data: { id: string; sample: boolean }[] }>();
  return Object.fromEntries(data.map((s) => [s.id, s.sample]));
}

/** HC 780's integrated records commitment, rated Inadequate overall. */
async function records() {
  const { commitments } = await (
    await api(`/v1/scorecards/${HC_780}`)
  ).json<{ commitments: { id: string; text: string }[] }>();
  const { id } = commitments.find((c) => c.text.startsWith("Roll out integrated health and care records"))!;
  return (await api(`/v1/commitments/${id}`)).json<{
    scorecards: { id: string; sample: boolean }[];
    history: { label: string; provenance: Provenance }[];
  }>();
}

/** Stops replaying a seeded URL and has the publisher answer it live, with `body`. */
function publishLive(url: string, body: string): void {
  const realFetch = globalThis.fetch;
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const asked = String(input instanceof Request ? input.url : input);
    if (asked === url) return new Response(body, { headers: { "content-type": "text/html; charset=utf-8" } });
    if (asked.endsWith("/robots.txt")) return new Response("", { status: 404 });
    return realFetch(input, init);
  });
}

describe("the seeds", () => {
  it("mark every saved document, and exactly the ones that say they are reconstructed are samples", () => {
    const entries = Object.entries(seeded.seeds.archive);
    expect(entries.length).toBeGreaterThan(0);
    for (const [url, { file, sample }] of entries) {
      const document = seeded.archive[url]!;
      expect(document.sample, url).toBe(sample);
      // Each reconstructed file says so in its own text: an HTML comment, or a JSON note.
      const labelled = !document.base64 && /RECONSTRUCTED SAMPLE|"_scorecard_note"/.test(document.body);
      expect(sample, `${file} is ${labelled ? "" : "not "}labelled a reconstructed sample`).toBe(labelled);
    }
    const samples = entries.filter(([, e]) => e.sample).map(([, e]) => e.file);
    expect(samples.filter((f) => f.startsWith("archive/hc-"))).toHaveLength(6);
    expect(samples.some((f) => f.endsWith(".csv"))).toBe(false); // the GMPP files are real
  });

  it("refuse an archive entry that does not say whether it is a sample", async () => {
    const { SeedFileSchema } = await import("../src/seeds.ts");
    const v = await import("valibot");
    const file = { sources: [], archive: { "https://example.org/a.html": "archive/a.html" } };
    expect(v.safeParse(SeedFileSchema, file).success).toBe(false);
    const marked = { sources: [], archive: { "https://example.org/a.html": { file: "archive/a.html", sample: true } } };
    expect(v.safeParse(SeedFileSchema, marked).success).toBe(true);
  });
});

describe("a replayed reconstructed sample", () => {
  it("is served as one: its snapshot's origin, and every response that shows its scorecard", async () => {
    await seed([HC_780, DWP]);
    await runCron();

    expect(await listed()).toEqual({ [HC_780]: true, [DWP_SCORECARD]: false });
    const detail = await (await api(`/v1/scorecards/${HC_780}`)).json<{ sample: boolean }>();
    expect(detail.sample).toBe(true);
    expect((await (await api(`/v1/scorecards/${DWP_SCORECARD}`)).json<{ sample: boolean }>()).sample).toBe(false);

    const integrated = await records();
    expect(integrated.scorecards).toEqual([expect.objectContaining({ id: HC_780, sample: true })]);
    expect(integrated.history[0]!.provenance).toMatchObject({
      url: seedUrl(HC_780),
      origin: "seed-archive",
      sample: true,
    });

    const { results } = await env.DB.prepare(
      "SELECT source_id, origin, sample FROM snapshots ORDER BY source_id",
    ).all();
    expect(results).toEqual([
      { source_id: DWP, origin: "seed-archive", sample: 0 }, // a real item, replayed
      { source_id: HC_780, origin: "seed-archive", sample: 1 },
    ]);
  });

  it("makes a scorecard a sample when a step on the way to its document was one (the GMPP's reconstructed Content API item)", async () => {
    await seed([GMPP]);
    await runCron();
    const { results } = await env.DB.prepare("SELECT step, origin, sample FROM snapshots ORDER BY id").all();
    expect(results).toEqual([
      { step: "publication", origin: "seed-archive", sample: 1 },
      { step: "projects", origin: "seed-archive", sample: 0 }, // the CSV itself is the real file
    ]);
    const [scorecard] = Object.entries(await listed());
    expect(scorecard![1]).toBe(true);
  });
});

describe("a sample scorecard", () => {
  it("stops being one when a live document is applied, even one with the same ratings; its history keeps its origins", async () => {
    await seed([HC_780]);
    await runCron();
    await env.ARCHIVE.delete(replayKey(seedUrl(HC_780)));
    publishLive(
      seedUrl(HC_780),
      seedPage(HC_780).replace('<h2 id="summary">Summary</h2>', '<h2 id="summary">Summary of the evaluation</h2>'),
    );
    await makeAllDue();
    await runCron();
    const run = await env.DB.prepare("SELECT outcome, observations_added FROM runs ORDER BY id DESC").first();
    expect(run).toEqual({ outcome: "ok", observations_added: 0 });
    expect(await listed()).toEqual({ [HC_780]: false });
    const integrated = await records();
    expect(integrated.scorecards[0]!.sample).toBe(false);
    // The rating was read from the sample, and is still the current one: its provenance says so.
    expect(integrated.history.map((o) => o.provenance.origin)).toEqual(["seed-archive"]);
    expect(integrated.history[0]!.provenance.sample).toBe(true);
    const snapshots = await env.DB.prepare("SELECT origin, sample FROM snapshots ORDER BY id").all();
    expect(snapshots.results).toEqual([
      { origin: "seed-archive", sample: 1 },
      { origin: "live", sample: 0 },
    ]);
  });

  it("stays one when the next document drifts, since its data still comes from the sample", async () => {
    await seed([HC_780]);
    await runCron();
    await publish(seedUrl(HC_780), seedPage(HC_780).replace(/<table[\s\S]*<\/table>/, ""));
    await makeAllDue();
    await runCron();
    expect((await env.DB.prepare("SELECT outcome FROM runs ORDER BY id DESC").first())!.outcome).toBe("drift");
    expect(await listed()).toEqual({ [HC_780]: true });
  });
});

describe("loading the seeds again", () => {
  it("says where documents replayed before snapshots kept their origin came from", async () => {
    await seed([HC_780]);
    await runCron();
    // As recorded before migration 0004: every snapshot defaulted to live, not a sample.
    await env.DB.prepare("UPDATE snapshots SET origin = 'live', sample = 0").run();
    expect(await listed()).toEqual({ [HC_780]: false });
    await seed([HC_780]);
    expect(await env.DB.prepare("SELECT origin, sample FROM snapshots").first()).toEqual({
      origin: "seed-archive",
      sample: 1,
    });
    expect(await listed()).toEqual({ [HC_780]: true });
  });

  it("leaves a live snapshot of other bytes alone", async () => {
    await seed([HC_780]);
    await env.ARCHIVE.delete(replayKey(seedUrl(HC_780)));
    publishLive(seedUrl(HC_780), seedPage(HC_780).replace('<h2 id="summary">Summary</h2>', "<h2>Summary</h2>"));
    await runCron();
    vi.restoreAllMocks();
    await seed([HC_780]);
    expect(await env.DB.prepare("SELECT origin, sample FROM snapshots").first()).toEqual({ origin: "live", sample: 0 });
  });
});
