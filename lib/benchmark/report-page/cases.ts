/**
 * Every case side by side, as the data the page's script renders: one list
 * of cases (the diff each model was prompted with, the expected message and
 * its type) and, per run, its verdicts aligned with that list. Cases are in
 * the first run's order; a case another run lacks has a null there. This is
 * the bulk of the page (the diffs), so it carries only what is shown.
 */
import type { Case } from "../../core/records.js";
import type { CaseResult } from "../metrics.js";
import type { Run } from "../runs.js";
import { figureOf } from "./summary.js";

export interface PageCase {
  id: string;
  repository: string | null;
  expected: string;
  expectedType: string | null;
  /** null when the case file is not at hand (a run rebuilt from elsewhere). */
  diff: string | null;
}

export interface PageOutput {
  output: string;
  error: string | null;
  valid: boolean;
  headerCompliant: boolean;
  type: string | null;
  typeCorrect: boolean;
  score: number;
  bleu: number | null;
  rougeL: number | null;
  editSimilarity: number | null;
  latencyMs: number | null;
}

export interface CasesPayload {
  cases: PageCase[];
  /** outputs[run][case], aligned with `cases`. */
  outputs: Array<Array<PageOutput | null>>;
  /** Expected types present, for the filter. */
  types: string[];
}

const outputOf = (r: CaseResult): PageOutput => ({
  output: r.output,
  error: r.error,
  valid: r.valid,
  headerCompliant: r.headerCompliant,
  type: r.type,
  typeCorrect: r.typeCorrect,
  score: r.score,
  bleu: figureOf(r, "bleu"),
  rougeL: figureOf(r, "rougeL"),
  editSimilarity: figureOf(r, "editSimilarity"),
  latencyMs: r.latencyMs,
});

export function buildCasesPayload(runs: Run[], cases: Case[]): CasesPayload {
  const byId = new Map(cases.map((c) => [c.id, c]));
  const firstById = new Map<string, CaseResult>();
  for (const run of runs) for (const result of run.results) if (!firstById.has(result.id)) firstById.set(result.id, result);
  const order = [...firstById.values()];
  const pageCases = order.map((r): PageCase => {
    const source = byId.get(r.id);
    return { id: r.id, repository: source?.repository ?? null, expected: r.expectedMessage, expectedType: r.expectedType, diff: source?.diff ?? null };
  });
  const outputs = runs.map((run) => {
    const results = new Map(run.results.map((r) => [r.id, r]));
    return order.map((r) => {
      const result = results.get(r.id);
      return result ? outputOf(result) : null;
    });
  });
  const types = [...new Set(order.map((r) => r.expectedType ?? "(none)"))].sort();
  return { cases: pageCases, outputs, types };
}
