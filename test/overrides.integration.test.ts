// Editorial overrides: validated against the vocabulary, served beside the scraped rating in
// the scorecard and the commitment, reverted on the record; scraped observations untouched.
import { env, exports } from "cloudflare:workers";
import Papa from "papaparse";
import { describe, expect, it } from "vitest";
import { call, createKey } from "./support/admin.ts";
import { runCron, seed } from "./helpers.ts";

const HC_780 = "hsc-expert-panel-hc-780";

async function aRating(): Promise<{ commitment: string; dimension: string; label: string }> {
  await seed([HC_780]);
  await runCron();
  const row = await env.DB.prepare(
    `SELECT commitment_id AS commitment, dimension, label FROM observations
     WHERE scorecard_id = ? AND commitment_id IS NOT NULL AND band != 'not-rated' ORDER BY id LIMIT 1`,
  )
    .bind(HC_780)
    .first<{ commitment: string; dimension: string; label: string }>();
  return row!;
}

type Rating = {
  label: string;
  band: string;
  override?: { label: string; by: string; reason: string };
  scraped?: { label: string };
};

async function servedRating(commitment: string, dimension: string): Promise<Rating> {
  const scorecard = await (
    await exports.default.fetch(`https://scorecard.test/v1/scorecards/${HC_780}`)
  ).json<{
    commitments: { id: string; ratings: Record<string, Rating> }[];
  }>();
  return scorecard.commitments.find((c) => c.id === commitment)!.ratings[dimension]!;
}

describe("overrides", () => {
  it("correct a rating on the record, beside the scraped value, and revert", async () => {
    const target = await aRating();
    const label = target.label === "Good" ? "Inadequate" : "Good";
    const editor = await createKey("editor", "Corrections desk");
    const observations = await env.DB.prepare("SELECT count(*) AS n FROM observations").first("n");

    const made = await call("POST", "/v1/admin/overrides", editor.key, {
      ...target,
      label: label.toUpperCase(),
      reason: "The panel's erratum of 3 March corrects this rating.",
      evidence_url: "https://committees.parliament.uk/erratum",
    });
    expect(made.status, await made.clone().text()).toBe(201);
    const override = await made.json<{ id: number; label: string; in_force: boolean }>();
    expect(override).toMatchObject({ label: label.toUpperCase(), in_force: true });

    const served = await servedRating(target.commitment, target.dimension);
    expect(served).toMatchObject({
      label: label.toUpperCase(),
      override: { label: label.toUpperCase(), by: "Corrections desk", reason: expect.stringMatching(/erratum/) },
      scraped: { label: target.label },
    });
    // The list of commitments, and its spreadsheet, show the correction as such too.
    const listed = await (
      await exports.default.fetch(`https://scorecard.test/v1/commitments?scorecard=${HC_780}&limit=200`)
    ).json<{ data: { id: string; ratings: Record<string, Rating> }[] }>();
    expect(listed.data.find((c) => c.id === target.commitment)!.ratings[target.dimension]).toMatchObject({
      label: label.toUpperCase(),
      override: { by: "Corrections desk" },
      scraped: { label: target.label },
    });
    const csv = await (
      await exports.default.fetch(`https://scorecard.test/v1/commitments.csv?scorecard=${HC_780}&limit=200`)
    ).text();
    const [header, ...lines] = Papa.parse<string[]>(csv.replace(/^\uFEFF/, ""), { skipEmptyLines: true }).data;
    const row = lines.find((line) => line[0] === target.commitment)!;
    const column = (name: string) => row[header!.indexOf(`${target.dimension}_${name}`)];
    expect([column("label"), column("scraped_label"), column("override_reason")]).toEqual([
      label.toUpperCase(),
      target.label,
      "The panel's erratum of 3 March corrects this rating.",
    ]);
    // And the widget readers see says so, with the published label.
    const widget = await (await exports.default.fetch(`https://scorecard.test/embed/scorecards/${HC_780}`)).text();
    expect(widget).toContain(`corrected by the newsroom; published as “${target.label}”`);
    const card = await (
      await exports.default.fetch(`https://scorecard.test/embed/commitments/${target.commitment}`)
    ).text();
    expect(card).toContain(`corrected by the newsroom; published as “${target.label}”`);
    const commitment = await (
      await exports.default.fetch(`https://scorecard.test/v1/commitments/${target.commitment}`)
    ).json<{
      history: { label: string }[];
      overrides: { id: number; in_force: boolean }[];
    }>();
    expect(commitment.overrides).toEqual([expect.objectContaining({ id: override.id, in_force: true })]);
    expect(commitment.history.map((h) => h.label)).toContain(target.label);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM observations").first("n")).toBe(observations);

    const reverted = await call("POST", `/v1/admin/overrides/${override.id}/revert`, editor.key, {
      reason: "Erratum withdrawn.",
    });
    expect(await reverted.json()).toMatchObject({
      in_force: false,
      reverted: { by: "Corrections desk", reason: "Erratum withdrawn." },
    });
    expect((await call("POST", `/v1/admin/overrides/${override.id}/revert`, editor.key, {})).status).toBe(409);
    const after = await servedRating(target.commitment, target.dimension);
    expect(after.label).toBe(target.label);
    expect(after.override).toBeUndefined();

    const { data } = await (
      await call("GET", "/v1/admin/audit", "test-admin-token")
    ).json<{ data: { action: string; subject: string }[] }>();
    expect(data.slice(0, 2).map((e) => [e.action, e.subject])).toEqual([
      ["override.revert", `override:${override.id}`],
      ["override.create", `override:${override.id}`],
    ]);
    await expect(env.DB.prepare("UPDATE overrides SET label = 'x'").run()).rejects.toThrow(/only be reverted/);
    await expect(env.DB.prepare("DELETE FROM overrides").run()).rejects.toThrow(/never deleted/);
  });

  it("are change events in /v1/changes, its CSV and Atom feed, marked as the newsroom's", async () => {
    const target = await aRating();
    const label = target.label === "Good" ? "Inadequate" : "Good";
    const editor = await createKey("editor", "Corrections desk");
    const made = await call("POST", "/v1/admin/overrides", editor.key, {
      ...target,
      label,
      reason: "The panel's erratum of 3 March corrects this rating.",
      evidence_url: "https://committees.parliament.uk/erratum",
    });
    const override = await made.json<{ id: number }>();
    await call("POST", `/v1/admin/overrides/${override.id}/revert`, editor.key, { reason: "Erratum withdrawn." });

    type Event = {
      id: string;
      kind: string;
      dimension: string;
      from: { label: string; evidence: { sha256: string } | null } | null;
      to: { label: string; evidence: { sha256: string } | null } | null;
      direction: string | null;
      correction?: { override_id: number; by: string; reason: string; revert_reason: string | null };
    };
    const get = async (query: string) =>
      (await (await exports.default.fetch(`https://scorecard.test/v1/changes?${query}`)).json<{ data: Event[] }>())
        .data;
    const [reverted, corrected] = await get(`commitment=${target.commitment}&kind=corrected,correction-reverted`);
    expect(corrected).toMatchObject({
      kind: "corrected",
      dimension: target.dimension,
      from: { label: target.label, evidence: { sha256: expect.stringMatching(/^[0-9a-f]{64}$/) } },
      to: { label, evidence: null },
      correction: { override_id: override.id, by: "Corrections desk", reason: expect.stringMatching(/erratum/) },
    });
    expect(reverted).toMatchObject({
      kind: "correction-reverted",
      from: { label },
      to: { label: target.label },
      correction: { override_id: override.id, revert_reason: "Erratum withdrawn." },
    });
    expect(corrected!.direction).toBe(label === "Good" ? "better" : "worse");
    // Beside the publisher's events, newest first; filtered out by kind, dimension and direction.
    const all = await get(`scorecard=${HC_780}&limit=200`);
    expect(all.slice(0, 2).map((e) => e.kind)).toEqual(["correction-reverted", "corrected"]);
    expect(all.filter((e) => e.kind !== "corrected" && e.kind !== "correction-reverted").length).toBeGreaterThan(0);
    expect(await get(`scorecard=${HC_780}&kind=moved,first-rating&limit=200`)).not.toContainEqual(
      expect.objectContaining({ kind: "corrected" }),
    );
    expect(await get(`commitment=${target.commitment}&dimension=not-a-dimension`)).toEqual([]);
    const wrongWay = label === "Good" ? "worse" : "better";
    expect((await get(`commitment=${target.commitment}&direction=${wrongWay}`)).map((e) => e.kind)).not.toContain(
      "corrected",
    );
    // A cursor walk of one event a page meets each once.
    const seen: string[] = [];
    let next: string | null = `https://scorecard.test/v1/changes?scorecard=${HC_780}&limit=1`;
    while (next) {
      const page: { data: Event[]; meta: { next: string | null } } = await (await exports.default.fetch(next)).json();
      seen.push(...page.data.map((e) => e.id));
      next = page.meta.next;
    }
    expect(seen).toEqual(all.map((e) => e.id));

    const csv = await (
      await exports.default.fetch(`https://scorecard.test/v1/changes.csv?commitment=${target.commitment}`)
    ).text();
    const [header, ...rows] = Papa.parse<string[]>(csv.replace(/^\uFEFF/, ""), { skipEmptyLines: true }).data;
    const correctedRow = rows.find((r) => r[header!.indexOf("kind")] === "corrected")!;
    expect(correctedRow[header!.indexOf("correction_by")]).toBe("Corrections desk");
    expect(correctedRow[header!.indexOf("correction_evidence_url")]).toBe("https://committees.parliament.uk/erratum");
    const atom = await (
      await exports.default.fetch(`https://scorecard.test/v1/changes.atom?commitment=${target.commitment}`)
    ).text();
    expect(atom).toContain("corrected by the newsroom to");
    expect(atom).toMatch(/A newsroom correction by Corrections desk, not the publisher(&apos;|&#39;|')s/);
  });

  it("are refused with a label outside the vocabulary, a rating that does not exist, or a bad evidence URL", async () => {
    const target = await aRating();
    const base = { ...target, label: "Good", reason: "Erratum.", evidence_url: "https://committees.parliament.uk/e" };
    const cases: [object, number][] = [
      [{ ...base, label: "Excellent" }, 400],
      [{ ...base, dimension: "no-such-dimension" }, 409],
      [{ ...base, commitment: "no-such-commitment" }, 404],
      [{ ...base, evidence_url: "javascript:alert(1)" }, 400],
      [{ ...base, evidence_url: "http://10.1.2.3/" }, 400],
      [{ ...base, reason: "" }, 400],
      [{ ...base, scorecard: "another-scorecard" }, 400],
    ];
    for (const [body, status] of cases)
      expect((await call("POST", "/v1/admin/overrides", "test-admin-token", body)).status, JSON.stringify(body)).toBe(
        status,
      );
    // A newer override replaces the one in force.
    const first = await (await call("POST", "/v1/admin/overrides", "test-admin-token", base)).json<{ id: number }>();
    const second = await (
      await call("POST", "/v1/admin/overrides", "test-admin-token", { ...base, label: "Requires improvement" })
    ).json<{ id: number; replaces: number }>();
    expect(second.replaces).toBe(first.id);
    const list = await (
      await call("GET", "/v1/admin/overrides?state=in-force", "test-admin-token")
    ).json<{ data: { id: number }[] }>();
    expect(list.data.map((o) => o.id)).toEqual([second.id]);
  });
});
