// How often a source is scraped: an interval such as 30m, 6h, 1d or 7d. Rules declare a
// default, sources may name their own, and the scheduler turns it into the next run's time.

/** A schedule: a number of minutes, hours, days or weeks. */
export const INTERVAL = /^(\d+)(m|h|d|w)$/;

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** "6h" → milliseconds. */
export function intervalMs(schedule: string): number {
  const match = INTERVAL.exec(schedule);
  if (!match) throw new Error(`"${schedule}" is not a schedule: use an interval such as 30m, 6h, 1d or 7d`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

export function nextRunAt(now: Date, schedule: string): string {
  return new Date(now.getTime() + intervalMs(schedule)).toISOString();
}
