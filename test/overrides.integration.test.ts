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
