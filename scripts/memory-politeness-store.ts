// The fetcher's memory for the CLI: one process, so a Map will do where the Worker uses D1.
import type { PolitenessStore, RobotsRecord } from "../src/types.ts";

export function memoryPolitenessStore(): PolitenessStore {
  const slots = new Map<string, number>();
  const robots = new Map<string, RobotsRecord>();
  return {
    async reserveSlot(host, now, intervalMs) {
      const slot = Math.max(slots.get(host) ?? 0, now);
      slots.set(host, slot + intervalMs);
      return slot;
    },
    async releaseSlot(host, intervalMs) {
      slots.set(host, (slots.get(host) ?? 0) - intervalMs);
    },
    async getRobots(origin) {
      return robots.get(origin) ?? null;
    },
    async putRobots(origin, record) {
      robots.set(origin, record);
    },
  };
}
