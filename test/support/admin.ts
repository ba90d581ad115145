// Calls to /v1/admin for the workerd tests: a bearer token, a JSON body, and making keys.
import { exports } from "cloudflare:workers";
import { expect } from "vitest";

export const BOOTSTRAP = "test-admin-token";

export async function call(method: string, path: string, token: string | null, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  return exports.default.fetch(`https://scorecard.test${path}`, {
    method,
    headers,
    body: body === undefined ? null : JSON.stringify(body),
  });
}

export async function createKey(role: "admin" | "editor", name = `${role} desk`): Promise<{ id: string; key: string }> {
  const response = await call("POST", "/v1/admin/keys", BOOTSTRAP, { role, name });
  expect(response.status, await response.clone().text()).toBe(201);
  return response.json();
}
