// The embeddable widgets, their loader, oEmbed, badges and the landing page, against the seeded
// record: content, headers, the size budget, as_of, freshness and hostile scraped text.
// (test/browser/ renders the same pages in Chromium.)
import { describe, expect, it } from "vitest";
import { api, makeAllDue, publish, runCron, seed, seedPage, seedUrl, seeded } from "./helpers.ts";
import { HOSTILE_AREA, HOSTILE_TEXT, hostilePage, PAYLOADS } from "./support/hostile.ts";

const HC_780 = "hsc-expert-panel-hc-780";
const GMPP = ["gmpp-2020-21", "gmpp-2021-22", "gmpp-2022-23"];
const BUDGET = 10 * 1024;

async function gzipSize(body: string): Promise<number> {
  const stream = new Blob([body]).stream().pipeThrough(new CompressionStream("gzip"));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

interface Listed {
  id: string;
  title: string;
  commitment_count: number;
  sample: boolean;
  overall: { label: string } | null;
}

async function listed(): Promise<Listed[]> {
  return (await (await api("/v1/scorecards?limit=200")).json<{ data: Listed[] }>()).data;
}

async function commitmentsOf(id: string) {
  const body = await (
    await api(`/v1/scorecards/${id}`)
  ).json<{
    commitments: { id: string; text: string; ratings: Record<string, { label: string }> }[];
  }>();
  return body.commitments;
}

function expectWidgetHeaders(res: Response) {
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/html/);
  const csp = res.headers.get("content-security-policy")!;
  expect(csp).toMatch(/frame-ancestors \*/);
  expect(csp).toMatch(/default-src 'none'/);
  expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'(;|$)/);
  expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
  expect(res.headers.get("etag")).toMatch(/^(W\/)?"/);
  expect(res.headers.get("cache-control")).toBe("public, max-age=60");
  expect(res.headers.get("set-cookie")).toBeNull();
  expect(res.headers.get("x-frame-options")).toBeNull();
}

describe("the scorecard widget", () => {
  it("renders every seeded scorecard in both layouts within the size budget, with nothing from another host", async () => {
    await seed();
    await runCron();
    const scorecards = await listed();
    expect(scorecards.length).toBe(seeded.seeds.sources.length); // one scorecard a source
    const sizes: Record<string, number> = {};
    for (const s of scorecards)
      for (const layout of ["compact", "full"]) {
        const res = await api(`/embed/scorecards/${s.id}?layout=${layout}`);
        expectWidgetHeaders(res);
        const body = await res.text();
        sizes[`${s.id} ${layout}`] = await gzipSize(body);
        expect(body).toMatch(/^<!doctype html><html lang="en" class="light">/);
        expect(body).toContain("<table");
        expect(body).toContain("<caption>");
        expect(body).not.toMatch(/<img|<link rel="stylesheet"|<script src|@import|url\(/);
        expect(body.includes("Sample data.")).toBe(s.sample);
        expect(body).toContain('rel="alternate" type="application/json+oembed"');
        expect((body.match(/<th scope="row">/g) ?? []).length).toBe(s.commitment_count);
      }
    const largest = scorecards.reduce((a, b) => (b.commitment_count > a.commitment_count ? b : a));
    expect(sizes[`${largest.id} full`]).toBeLessThanOrEqual(BUDGET);
    for (const [widget, size] of Object.entries(sizes)) expect(size, widget).toBeLessThanOrEqual(BUDGET);
  }, 60_000);

  it("names each column by its question, shows every rating in words, groups by policy area and says when it was checked", async () => {
    await seed([HC_780]);
    await runCron();
    const body = await (await api(`/embed/scorecards/${HC_780}?layout=full&theme=dark`)).text();
    expect(body).toContain('class="dark"');
    expect(body).toContain(
      '<th scope="col" title="Was the commitment met, or is it on track to be met?"><span class="vh">Was the commitment met, or is it on track to be met?</span>',
    );
    expect(body).toContain('<th scope="rowgroup" colspan="6">The health of the population</th>');
    expect(body).toMatch(/<span class="r b-red">Inadequate<\/span>/);
    expect(body).toMatch(/<span class="r b-amber">Requires improvement<\/span>/);
    expect(body).toMatch(/Last checked \d{1,2} \w+ \d{4}/);
    expect(body).toContain('href="https://publications.parliament.uk/pa/cm5803/cmselect/cmhealth/780/report.html"');
    // A deadline the record states: "by 2030" for the workforce, measured today.
    expect(body).toMatch(/Deadline 2030: (upcoming|due soon)/);
    expect(body).toMatch(/Deadline 2024: passed, (not met|not rated as met)/);

    const compact = await (await api(`/embed/scorecards/${HC_780}?layout=compact`)).text();
    expect(compact).toContain("Overall rating of the commitment");
    expect(compact).not.toContain("Was it an appropriate commitment?");
  });

  it("revalidates with its ETag, refuses bad parameters with a problem, and 404s an unknown scorecard", async () => {
    await seed([HC_780]);
    await runCron();
    const first = await api(`/embed/scorecards/${HC_780}`);
    const etag = first.headers.get("etag")!;
    const again = await exportsFetch(`/embed/scorecards/${HC_780}`, { "If-None-Match": etag });
    expect(again.status).toBe(304);
    for (const query of [
      "layout=wide",
      "theme=pink",
      "as_of=yesterday",
      "as_of=2023-02-30",
      "as_of=2999-01-01",
      "x=1",
    ]) {
      const res = await api(`/embed/scorecards/${HC_780}?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
    }
    expect((await api("/embed/scorecards/no-such-scorecard")).status).toBe(404);
  });

  it("freezes at as_of: says so, links to the current ratings, and has nothing before the publication", async () => {
    await seed([HC_780]);
    await runCron();
    const before = await api(`/embed/scorecards/${HC_780}?as_of=2023-01-31`);
    expect(before.status).toBe(404);
    const frozen = await (await api(`/embed/scorecards/${HC_780}?as_of=2023-03-01&theme=dark`)).text();
    expect(frozen).toContain("As of 1 March 2023.");
    expect(frozen).toContain(`href="https://scorecard.test/embed/scorecards/${HC_780}?theme=dark"`);
    // Deadlines are measured on the frozen day: 2024 was still upcoming on 1 March 2023.
    expect(frozen.match(/Deadline[^<]*/g)).toEqual(["Deadline 2024: upcoming", "Deadline 2030: upcoming"]);
    expect(frozen).toContain("as_of%3D2023-03-01");
  });

  it("shows a changed rating at once, with a new ETag (the cache may keep the old one only for max-age)", async () => {
    await seed([HC_780]);
    await runCron();
    const before = await api(`/embed/scorecards/${HC_780}`);
    const page = seedPage(HC_780).replace("<td>Good</td>", "<td>Outstanding</td>");
    await publish(seedUrl(HC_780), page);
    await makeAllDue();
    await runCron();
    const after = await api(`/embed/scorecards/${HC_780}`);
    expect(await after.text()).toContain('<span class="r b-green">Outstanding</span>');
    expect(after.headers.get("etag")).not.toBe(before.headers.get("etag"));
  });
});

async function exportsFetch(path: string, headers: Record<string, string>) {
  const { exports } = await import("cloudflare:workers");
  return exports.default.fetch(new Request(`https://scorecard.test${path}`, { headers }));
}

describe("the commitment widget", () => {
  it("shows current status, a dated timeline across years, and freezes at as_of", async () => {
    await seed(GMPP);
    await runCron();
    const commitments = await commitmentsOf("gmpp-infrastructure-and-projects-authority-annual-report-2022-23");
    const api2 = await (
      await api(`/v1/commitments/${commitments[0]!.id}`)
    ).json<{ history: { dimension: string }[] }>();
    expect(api2.history.length).toBeGreaterThan(1);
    const res = await api(`/embed/commitments/${commitments[0]!.id}`);
    expectWidgetHeaders(res);
    const body = await res.text();
    expect(body).toContain("<caption>Current status on each question</caption>");
    expect(body).toContain("Delivery Confidence Assessment that year, whether the IPA or its SRO gave it");
    expect(body).toMatch(/<h2>Timeline<\/h2>/);
    expect(body).toMatch(/<time datetime="2021-03-31">31 March 2021<\/time>/);
    const frozen = await (await api(`/embed/commitments/${commitments[0]!.id}?as_of=2021-06-30`)).text();
    expect(frozen).toContain("As of 30 June 2021.");
    expect(frozen).not.toMatch(/datetime="2022-03-31"|datetime="2023-03-31"/);
    expect((await api("/embed/commitments/no-such-commitment")).status).toBe(404);
  });
});

describe("oEmbed", () => {
  it("answers for this deployment's widget URLs only, in JSON only", async () => {
    await seed([HC_780]);
    await runCron();
    const url = `https://scorecard.test/embed/scorecards/${HC_780}?layout=compact`;
    const res = await api(`/oembed?url=${encodeURIComponent(url)}&format=json&maxwidth=500`);
    expect(res.status).toBe(200);
    const body = await res.json<Record<string, unknown>>();
    expect(body).toMatchObject({ version: "1.0", type: "rich", provider_name: "Scorecard", width: 500 });
    expect(body.html).toMatch(
      new RegExp(
        `^<iframe src="https://scorecard.test/embed/scorecards/${HC_780}\\?layout=compact" title="Expert Panel`,
      ),
    );
    expect(Number(body.height)).toBeGreaterThan(200);
    const [commitment] = await commitmentsOf(HC_780);
    const card = await api(
      `/oembed?url=${encodeURIComponent(`https://scorecard.test/embed/commitments/${commitment!.id}`)}`,
    );
    expect(card.status).toBe(200);

    for (const foreign of [
      `https://evil.example/embed/scorecards/${HC_780}`,
      "https://scorecard.test/v1/scorecards",
      "https://scorecard.test/embed/scorecards/no-such-scorecard",
      "javascript:alert(1)",
      "not a url",
    ]) {
      const answer = await api(`/oembed?url=${encodeURIComponent(foreign)}&format=json`);
      expect(answer.status, foreign).toBe(404);
      expect(answer.headers.get("content-type")).toBe("application/problem+json");
    }
    expect((await api(`/oembed?url=${encodeURIComponent(url)}&format=xml`)).status).toBe(501);
    expect((await api("/oembed")).status).toBe(400);
  });
});

describe("badges", () => {
  it("serve a commitment's rating as SVG and as a shields.io endpoint", async () => {
    await seed([HC_780]);
    await runCron();
    const commitments = await commitmentsOf(HC_780);
    const rated = commitments.find((c) => c.ratings.overall?.label === "Inadequate")!;
    const svg = await api(`/badge/commitments/${rated.id}.svg`);
    expect(svg.status).toBe(200);
    expect(svg.headers.get("content-type")).toBe("image/svg+xml; charset=utf-8");
    expect(svg.headers.get("etag")).toBeTruthy();
    const text = await svg.text();
    expect(text).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(text).toContain('aria-label="Overall: Inadequate"');
    expect(text).toContain('fill="#c62828"');
    const json = await (await api(`/badge/commitments/${rated.id}.json`)).json();
    expect(json).toEqual({
      schemaVersion: 1,
      label: "Overall",
      message: "Inadequate",
      color: "red",
      cacheSeconds: 300,
    });
    const funding = await (await api(`/badge/commitments/${rated.id}.json?dimension=funding`)).json();
    expect(funding).toMatchObject({ label: "Funding" });
    expect((await api(`/badge/commitments/${rated.id}.json?dimension=nope`)).status).toBe(404);
    expect((await api(`/badge/commitments/${rated.id}.png`)).status).toBe(400);
    expect((await api("/badge/commitments/no-such-commitment.svg")).status).toBe(404);
  });
});

describe("the landing page", () => {
  it("lists the scorecards newest first with previews and copyable embed code", async () => {
    await seed([HC_780, "hsc-expert-panel-hc-18", "hsc-expert-panel-hc-1310"]);
    await runCron();
    const res = await api("/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toMatch(/script-src 'self' 'sha256-/);
    const body = await res.text();
    const order = [...body.matchAll(/<h2 id="t-([a-z0-9-]+)">/g)].map((m) => m[1]);
    expect(order).toEqual((await listed()).map((s) => s.id));
    expect(body).toContain(`data-scorecard="${HC_780}"`);
    expect(body).toContain('<script src="/embed.js" async="">');
    expect(body).toContain(`&lt;iframe src=&quot;https://scorecard.test/embed/scorecards/${HC_780}&quot;`);
    expect(body).toContain('<button type="button" data-copy="l-hsc-expert-panel-hc-780">Copy</button>');
  });

  it("serves the loader, which checks where every message comes from", async () => {
    const res = await api("/embed.js");
    expect(res.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    const js = await res.text();
    expect(js).toContain("x.frame.contentWindow===e.source&&x.origin===e.origin");
  });
});

describe("hostile scraped text", () => {
  it("arrives through a real scrape and is escaped as text in every widget, badge and page", async () => {
    await seed([HC_780]);
    await publish(seedUrl(HC_780), hostilePage(seedPage(HC_780)));
    await runCron();
    const commitment = (await commitmentsOf(HC_780)).find((c) => c.text === HOSTILE_TEXT)!;
    expect(commitment).toBeDefined();
    const pages = {
      full: await (await api(`/embed/scorecards/${HC_780}?layout=full`)).text(),
      compact: await (await api(`/embed/scorecards/${HC_780}?layout=compact`)).text(),
      card: await (await api(`/embed/commitments/${commitment.id}`)).text(),
      svg: await (await api(`/badge/commitments/${commitment.id}.svg`)).text(),
      landing: await (await api("/")).text(),
    };
    for (const [name, html] of Object.entries(pages)) {
      for (const payload of PAYLOADS) expect(html, name).not.toContain(payload);
      expect(html, name).not.toMatch(/<img|<svg onload|<script>alert/);
    }
    const escaped = HOSTILE_TEXT.replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      .replace(/'/g, "&#39;");
    expect(pages.full).toContain(escaped);
    expect(pages.card).toContain(escaped);
    expect(pages.svg).toContain(escaped);
    expect(pages.full).toContain(HOSTILE_AREA.replace(/</g, "&lt;").replace(/>/g, "&gt;"));
    const oembed = await (
      await api(`/oembed?url=${encodeURIComponent(`https://scorecard.test/embed/commitments/${commitment.id}`)}`)
    ).json<{ title: string; html: string }>();
    expect(oembed.title).toBe(HOSTILE_TEXT);
    expect(oembed.html).not.toMatch(/<img|<script/);
    expect(oembed.html).toContain("&lt;img src=x onerror=alert(1)&gt;");
  });
});
