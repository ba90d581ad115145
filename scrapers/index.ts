// Every rule Scorecard knows. A source names one of these by id.
import gmpp from "./gmpp.ts";
import govukCommitments from "./govuk-commitments.ts";
import hscExpertPanel from "./hsc-expert-panel.ts";
import type { Rule } from "./lib/rule.ts";

export const RULES: readonly Rule[] = [hscExpertPanel, gmpp, govukCommitments];

const byId = new Map(RULES.map((rule) => [rule.id, rule]));

export function findRule(id: string): Rule | undefined {
  return byId.get(id);
}
