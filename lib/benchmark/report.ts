/**
 * The benchmark's report, printed by 08 and logged by 09: before/after with the
 * reference ceiling for two runs (and the few-shot baseline as a second
 * "before" when there is one), the metrics side by side otherwise.
 */
import { type Comparison, compareRuns as compare, metricsOver } from "./compare.js";
import { renderBeforeAfterMarkdown, renderBeforeAfterTable, renderConfusionTable, renderMetricsMarkdown, renderMetricsTable, runTitle } from "./tables.js";
import { createReferenceGenerator } from "./generators/reference.js";
import { type CaseResult, type RunMetrics, aggregateMetrics, scoreCase } from "./metrics.js";
import { type Run, loadRun } from "./runs.js";

export interface BootstrapSettings {
  seed: number;
  iterations: number;
}

/** The ceiling over any list of results, in memory (the `compare` command writes no run). */
export async function referenceMetrics(results: Array<Pick<CaseResult, "id" | "expectedMessage">>, types: string[]): Promise<RunMetrics> {
  const reference = createReferenceGenerator();
  const scored = await Promise.all(
    results.map(async (r) => {
      const item = { id: r.id, expectedMessage: r.expectedMessage, diff: "", repository: "", commitHash: "", metadata: {} };
      const generation = await reference.generate(item, new AbortController().signal);
      return { ...r, ...generation, ...(await scoreCase(r.expectedMessage, generation, types)) };
    }),
  );
  return aggregateMetrics(scored);
}

/** Before → after, and the few-shot baseline → after when given: the fine-tuned model against both ways of prompting the baseline. */
function comparisonsOf([before, after]: Run[], fewShot: Run | undefined, bootstrap: BootstrapSettings): Comparison[] {
  return [compare(before!, after!, bootstrap), ...(fewShot ? [compare(fewShot, after!, bootstrap)] : [])];
}

const columnsOf = (runs: Run[]) => runs.map((r) => ({ title: runTitle(r), metrics: r.metrics }));

/** The printed report: before/after with the ceiling for two runs, the metrics table otherwise; confusion matrices. */
export function renderBenchmarkReport(runs: Run[], reference: RunMetrics | Run, bootstrap: BootstrapSettings, fewShot?: Run): string {
  const all = fewShot ? [...runs, fewShot] : runs;
  const paired = pairedIds(all);
  const ceiling = "runId" in reference ? metricsOver(reference, paired) : reference;
  const confusion = all.map((r) => `Type confusion, ${runTitle(r)} (rows: expected, columns: output)\n${renderConfusionTable(r.metrics)}`);
  const main =
    runs.length === 2
      ? renderBeforeAfterTable(comparisonsOf(runs, fewShot, bootstrap), ceiling)
      : renderMetricsTable([...columnsOf(all), { title: "reference (ceiling)", metrics: ceiling }]);
  return [main, ...confusion].join("\n\n");
}

/** The same report in Markdown for EXPERIMENT_LOG.md (no confusion matrices). */
export function renderBenchmarkMarkdown(runs: Run[], reference: Run, bootstrap: BootstrapSettings, fewShot?: Run): string {
  const all = fewShot ? [...runs, fewShot] : runs;
  const ceiling = metricsOver(reference, pairedIds(all));
  if (runs.length === 2) return renderBeforeAfterMarkdown(comparisonsOf(runs, fewShot, bootstrap), ceiling);
  return renderMetricsMarkdown([...columnsOf(all), { title: "Reference (ceiling)", metrics: ceiling }]);
}

/** Ids every run has: the cases a comparison (and its ceiling) is over. */
export function pairedIds(runs: Run[]): Set<string> {
  const [first, ...rest] = runs;
  const others = rest.map((run) => new Set(run.results.map((r) => r.id)));
  return new Set((first?.results ?? []).map((r) => r.id).filter((id) => others.every((ids) => ids.has(id))));
}

/** `08-benchmark compare A B`: two saved runs (ids or paths), with the ceiling computed from A's expected messages. */
export async function renderSavedComparison(runsDir: string, idsOrPaths: [string, string], types: string[], bootstrap: BootstrapSettings): Promise<string> {
  const [before, after] = await Promise.all(idsOrPaths.map((id) => loadRun(runsDir, id)));
  const shared = pairedIds([before!, after!]);
  const reference = await referenceMetrics(before!.results.filter((r) => shared.has(r.id)), types);
  return renderBenchmarkReport([before!, after!], reference, bootstrap);
}
