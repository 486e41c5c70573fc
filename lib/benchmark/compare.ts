/**
 * Before/after as data: for each metric of DESIGN §6, both values over the
 * cases the two runs share, the delta, a 95% paired bootstrap interval, and
 * for pass/fail metrics the exact McNemar p-value. A difference counts as
 * significant when McNemar's p < 0.05 (pass/fail metrics) or the interval
 * excludes 0 (means); latency and speed are reported without a test. Every
 * single-run rate also carries its 95% Wilson interval.
 */
import { type CaseResult, type RunMetrics, aggregateMetrics } from "./metrics.js";
import type { Run } from "./runs.js";
import { bootstrapPairedDelta, discordantPairs, mcnemarExact } from "./stats.js";

export type MetricUnit = "rate" | "score" | "similarity" | "ms" | "perSecond";

type PairedTest =
  | { kind: "passFail"; of: (r: CaseResult) => boolean }
  | { kind: "mean"; of: (r: CaseResult) => number }
  | { kind: "none" };

export type MetricKey =
  | Exclude<keyof RunMetrics, "cases" | "failed" | "confusion" | "legacy" | "intervals">
  | "legacy.headerCompliance"
  | "legacy.score"
  | "legacy.typeAccuracy";

export interface MetricDefinition {
  /** The metric's id: a RunMetrics key, or `legacy.<key>`; also the key of its Wilson interval in `RunMetrics.intervals`. */
  key: MetricKey;
  label: string;
  unit: MetricUnit;
  higherIsBetter: boolean;
  test: PairedTest;
  /** Tables show this row only where its value differs from that metric's in some column (typeAccuracyStrict beside typeAccuracy). */
  onlyWhereDiffersFrom?: MetricKey;
}

const passFail = (of: (r: CaseResult) => boolean): PairedTest => ({ kind: "passFail", of });
const meanOf = (of: (r: CaseResult) => number): PairedTest => ({ kind: "mean", of });
const NONE: PairedTest = { kind: "none" };

/**
 * Our metrics carry the paired tests; the legacy rows (the original harness's
 * figures, for comparison with the plan) are shown without one: their
 * denominators leave failed generations out, which a paired test over all
 * cases would not.
 */
export const METRICS: MetricDefinition[] = [
  { key: "formatCompliance", label: "format compliance (one message, commitlint)", unit: "rate", higherIsBetter: true, test: passFail((r) => r.valid) },
  { key: "headerCompliance", label: "header compliance (lenient)", unit: "rate", higherIsBetter: true, test: passFail((r) => r.headerCompliant) },
  { key: "header72", label: "header ≤ 72 characters", unit: "rate", higherIsBetter: true, test: passFail((r) => r.header72) },
  { key: "typeAccuracy", label: "type accuracy", unit: "rate", higherIsBetter: true, test: passFail((r) => r.typeCorrect) },
  {
    key: "typeAccuracyStrict",
    label: "type accuracy, output as returned",
    unit: "rate",
    higherIsBetter: true,
    test: passFail((r) => r.typeCorrectStrict),
    onlyWhereDiffersFrom: "typeAccuracy",
  },
  { key: "typeAccuracyValid", label: "type accuracy, parsable outputs", unit: "rate", higherIsBetter: true, test: NONE },
  { key: "score", label: "rubric score (0–100)", unit: "score", higherIsBetter: true, test: meanOf((r) => r.score) },
  { key: "scopeMatch", label: "scope match", unit: "rate", higherIsBetter: true, test: passFail((r) => r.scopeMatch) },
  { key: "bleu", label: "B-Norm BLEU (description)", unit: "similarity", higherIsBetter: true, test: meanOf((r) => r.bleu) },
  { key: "rougeL", label: "ROUGE-L F1 (description)", unit: "similarity", higherIsBetter: true, test: meanOf((r) => r.rougeL) },
  { key: "editSimilarity", label: "edit similarity (description)", unit: "similarity", higherIsBetter: true, test: meanOf((r) => r.editSimilarity) },
  { key: "legacy.headerCompliance", label: "plan: header compliance (Java regex)", unit: "rate", higherIsBetter: true, test: NONE },
  { key: "legacy.score", label: "plan: score (Java harness)", unit: "score", higherIsBetter: true, test: NONE },
  { key: "legacy.typeAccuracy", label: "plan: type accuracy (both valid)", unit: "rate", higherIsBetter: true, test: NONE },
  { key: "latencyP50Ms", label: "latency p50", unit: "ms", higherIsBetter: false, test: NONE },
  { key: "latencyP95Ms", label: "latency p95", unit: "ms", higherIsBetter: false, test: NONE },
  { key: "tokensPerSecond", label: "output tokens / s", unit: "perSecond", higherIsBetter: true, test: NONE },
];

/** A metric's value in a run's metrics. */
export function metricValue(metrics: RunMetrics, key: MetricKey): number | null {
  if (key.startsWith("legacy.")) return metrics.legacy[key.slice("legacy.".length) as "headerCompliance" | "score" | "typeAccuracy"];
  return metrics[key as Exclude<MetricKey, `legacy.${string}`>];
}

/** A rate's 95% Wilson interval in a run's metrics; null for other units or an empty denominator. */
export const metricInterval = (metrics: RunMetrics, key: MetricKey) => metrics.intervals[key] ?? null;

export interface MetricComparison {
  key: MetricDefinition["key"];
  label: string;
  unit: MetricUnit;
  higherIsBetter: boolean;
  before: number | null;
  after: number | null;
  /** 95% Wilson intervals of the two rates (rates only). */
  beforeInterval: { low: number; high: number } | null;
  afterInterval: { low: number; high: number } | null;
  delta: number | null;
  ci: { low: number; high: number } | null;
  /** Exact McNemar p for pass/fail metrics; null otherwise. */
  pValue: number | null;
  /** null where no test applies. */
  significant: boolean | null;
}

export interface RunLabel {
  runId: string;
  model: string;
  mode: string;
  /** The run's variant (`3-shot`), when it has one. */
  variant?: string;
}

export interface Comparison {
  before: RunLabel;
  after: RunLabel;
  /** Cases present in both runs: every figure here is over these. */
  pairedCases: number;
  /** Cases only one of the runs has (different case files): left out. */
  unpairedCases: number;
  metrics: MetricComparison[];
}

export const SIGNIFICANCE_LEVEL = 0.05;

export const labelOf = (run: Run): RunLabel => ({ runId: run.runId, model: run.model, mode: run.mode, ...(run.variant ? { variant: run.variant } : {}) });

export function compareRuns(before: Run, after: Run, bootstrap: { seed: number; iterations: number }): Comparison {
  const afterById = new Map(after.results.map((r) => [r.id, r]));
  const pairs = before.results.flatMap((b) => {
    const a = afterById.get(b.id);
    return a ? [[b, a] as const] : [];
  });
  const beforeResults = pairs.map(([b]) => b);
  const afterResults = pairs.map(([, a]) => a);
  const beforeMetrics = aggregateMetrics(beforeResults);
  const afterMetrics = aggregateMetrics(afterResults);

  const metrics = METRICS.map((definition): MetricComparison => {
    const { key, label, unit, higherIsBetter, test } = definition;
    const beforeValue = metricValue(beforeMetrics, key);
    const afterValue = metricValue(afterMetrics, key);
    const delta = beforeValue === null || afterValue === null ? null : afterValue - beforeValue;
    const intervals = { beforeInterval: metricInterval(beforeMetrics, key), afterInterval: metricInterval(afterMetrics, key) };
    const base = { key, label, unit, higherIsBetter, before: beforeValue, after: afterValue, ...intervals, delta };
    if (test.kind === "none" || pairs.length === 0) return { ...base, ci: null, pValue: null, significant: null };
    const numeric = (r: CaseResult) => Number(test.of(r));
    const interval = bootstrapPairedDelta(beforeResults.map(numeric), afterResults.map(numeric), bootstrap)!;
    const ci = { low: interval.low, high: interval.high };
    if (test.kind === "passFail") {
      const { b, c } = discordantPairs(beforeResults.map(test.of), afterResults.map(test.of));
      const pValue = mcnemarExact(b, c);
      return { ...base, ci, pValue, significant: pValue < SIGNIFICANCE_LEVEL };
    }
    return { ...base, ci, pValue: null, significant: ci.low > 0 || ci.high < 0 };
  });

  return {
    before: labelOf(before),
    after: labelOf(after),
    pairedCases: pairs.length,
    unpairedCases: before.results.length + after.results.length - 2 * pairs.length,
    metrics,
  };
}

/** A run's metrics over the given case ids only (the reference column, aligned with a comparison's pairs). */
export function metricsOver(run: Run, ids: Set<string>): RunMetrics {
  return aggregateMetrics(run.results.filter((r) => ids.has(r.id)));
}
