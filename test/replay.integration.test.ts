import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { api, QUEUE_WAIT, runCron, seed, seedPage } from "./helpers.ts";

const HC_780 = "hsc-expert-panel-hc-780";
const admin = { Authorization: "Bearer test-admin-token" };

async function replay(sourceId: string, body: string, contentType: string) {
  return api(`/v1/admin/sources/${sourceId}/replay`, {
    method: "POST",
    headers: { ...admin, "Content-Type": contentType },
    body,
  });
}

async function finished(runId: number) {
  let outcome: { outcome: string; error: string | null; failed_check: string | null } | null = null;
  await vi.waitFor(async () => {
    outcome = await env.DB.prepare(
      "SELECT outcome, error, failed_check FROM runs WHERE id = ? AND finished_at IS NOT NULL",
    )
      .bind(runId)
      .first();
    expect(outcome).not.toBeNull();
  }, QUEUE_WAIT);
  return outcome!;
}

describe("POST /v1/admin/sources/:id/replay (npm run replay)", () => {
  it("runs a changed page through the whole pipeline as the source's next document", async () => {
    await seed([HC_780]);
    await runCron();
    const changed = seedPage(HC_780).replace("<td>Good</td>", "<td>Outstanding</td>");
    expect(changed).not.toBe(seedPage(HC_780));
    const queued = await replay(HC_780, changed, "text/html; charset=utf-8");
    expect(queued.status).toBe(202);
    const body = await queued.json<{ run: { id: number; url: string }; replayed: { url: string; step: string } }>();
    expect(body.replayed).toEqual({
      url: "https://publications.parliament.uk/pa/cm5803/cmselect/cmhealth/780/report.html",
      step: "report",
    });
    expect(queued.headers.get("location")).toBe(body.run.url);
    expect(await finished(body.run.id)).toMatchObject({ outcome: "ok" });
    const moved = await env.DB.prepare(
      "SELECT from_label, to_label, kind FROM changes WHERE run_id = ? AND dimension = 'appropriateness'",
    )
      .bind(body.run.id)
      .all();
    expect(moved.results).toEqual([{ from_label: "Good", to_label: "Outstanding", kind: "moved" }]);
    // A maintainer's file is not the publisher's: the scorecard says it is a sample.
    expect((await (await api(`/v1/scorecards/${HC_780}`)).json<{ sample: boolean }>()).sample).toBe(true);
  }, 60_000);

  it("a page the rule must refuse ends as drift, and the data stays", async () => {
    await seed([HC_780]);
    await runCron();
    const before = await env.DB.prepare("SELECT count(*) AS n FROM observations").first<{ n: number }>();
    const queued = await replay(HC_780, "<html><body><h1>Moved</h1><p>Nothing here.</p></body></html>", "text/html");
    const { run } = await queued.json<{ run: { id: number } }>();
    expect(await finished(run.id)).toMatchObject({
      outcome: "drift",
      failed_check: expect.stringMatching(/rating tables/),
    });
    expect(await env.DB.prepare("SELECT count(*) AS n FROM observations").first<{ n: number }>()).toEqual(before);
  }, 60_000);

  it("says what the rule reads when the document is of another kind, and needs an admin", async () => {
    await seed([HC_780]);
    const wrongKind = await replay(HC_780, "a,b\n1,2\n", "text/csv");
    expect(wrongKind.status).toBe(409);
    expect((await wrongKind.json<{ detail: string }>()).detail).toMatch(/reads text\/html \(step "report"\)/);
    const anonymous = await api(`/v1/admin/sources/${HC_780}/replay`, { method: "POST", body: "x" });
    expect(anonymous.status).toBe(401);
  });
});
