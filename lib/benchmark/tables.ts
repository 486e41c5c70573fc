/**
 * Renders comparisons and run metrics: a terminal table (cli-table3; a delta
 * is green when it is better, red when worse, grey when not significant) and
 * the same table in Markdown for EXPERIMENT_LOG.md.
 */
import { type Comparison, METRICS, type MetricComparison, type MetricUnit } from "./compare.js";
import { NO_TYPE, type RunMetrics } from "./metrics.js";
import { chalk, renderTable } from "../core/ui.js";

const SCALE: Record<MetricUnit, number> = { rate: 100, score: 1, similarity: 100, ms: 1, perSecond: 1 };
const DIGITS: Record<MetricUnit, number> = { rate: 1, score: 1, similarity: 1, ms: 0, perSecond: 1 };
const SUFFIX: Record<MetricUnit, string> = { rate: "%", score: "", similarity: "", ms: " ms", perSecond: "" };
const DELTA_SUFFIX: Record<MetricUnit, string> = { rate: " pts", score: "", similarity: "", ms: " ms", perSecond: "" };

const scaled = (unit: MetricUnit, value: number) => (value * SCALE[unit]).toFixed(DIGITS[unit]);
const signed = (unit: MetricUnit, value: number) => {
  const text = scaled(unit, value);
  return Number(text) > 0 ? `+${text}` : Number(text) === 0 ? text.replace(/^-/, "") : text;
};

export function formatValue(unit: MetricUnit, value: number | null): string {
  return value === null ? "—" : `${scaled(unit, value)}${SUFFIX[unit]}`;
}

export function formatDelta(unit: MetricUnit, delta: number | null): string {
  return delta === null ? "—" : `${signed(unit, delta)}${DELTA_SUFFIX[unit]}`;
}

export function formatInterval(unit: MetricUnit, ci: MetricComparison["ci"]): string {
  return ci ? `[${signed(unit, ci.low)}, ${signed(unit, ci.high)}]` : "—";
}

export function formatPValue(p: number | null): string {
  if (p === null) return "—";
  return p < 0.001 ? "<0.001" : p.toFixed(3);
}

/** How a delta reads: untested (no test applies), not significant, or significantly better or worse. */
export function deltaVerdict(metric: MetricComparison): "untested" | "not significant" | "better" | "worse" {
  if (metric.delta === null || metric.significant === null) return "untested";
  if (!metric.significant || metric.delta === 0) return "not significant";
  return (metric.delta > 0) === metric.higherIsBetter ? "better" : "worse";
}

const DELTA_COLOURS = { untested: (text: string) => text, "not significant": chalk.gray, better: chalk.green, worse: chalk.red };
const colourDelta = (metric: MetricComparison, text: string) => DELTA_COLOURS[deltaVerdict(metric)](text);

const runTitle = (label: { model: string; mode: string }) => `${label.model} (${label.mode})`;
const CEILING = "reference (ceiling)";

function comparisonRows(comparison: Comparison, reference: RunMetrics | undefined, format: (m: MetricComparison, text: string) => string) {
  return comparison.metrics.map((m) => [
    m.label,
    formatValue(m.unit, m.before),
    formatValue(m.unit, m.after),
    format(m, formatDelta(m.unit, m.delta)),
    formatInterval(m.unit, m.ci),
    formatPValue(m.pValue),
    ...(reference ? [formatValue(m.unit, reference[m.key])] : []),
  ]);
}

export function renderComparisonTable(comparison: Comparison, reference?: RunMetrics): string {
  const head = ["metric", runTitle(comparison.before), runTitle(comparison.after), "Δ", "95% CI", "McNemar p", ...(reference ? [CEILING] : [])];
  const note = `${comparison.pairedCases} paired cases${comparison.unpairedCases ? `, ${comparison.unpairedCases} unpaired left out` : ""}; grey Δ: not significant (McNemar p ≥ 0.05, or the interval includes 0)`;
  return `${renderTable(head, comparisonRows(comparison, reference, colourDelta), 24)}\n${chalk.gray(note)}`;
}

const markdownRow = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`;

export function renderComparisonMarkdown(comparison: Comparison, reference?: RunMetrics): string {
  const head = ["Metric", `${comparison.before.model} (before)`, `${comparison.after.model} (after)`, "Δ", "95% CI", "McNemar p", "Significant", ...(reference ? ["Reference (ceiling)"] : [])];
  const significance = (m: MetricComparison) => (m.significant === null ? "—" : m.significant ? "yes" : "no");
  const rows = comparisonRows(comparison, undefined, (_m, text) => text).map((row, i) => {
    const m = comparison.metrics[i]!;
    return [...row, significance(m), ...(reference ? [formatValue(m.unit, reference[m.key])] : [])];
  });
  return [markdownRow(head), markdownRow(head.map((_, i) => (i === 0 ? "---" : "---:"))), ...rows.map(markdownRow)].join("\n");
}

/** Metrics of one or more runs side by side (no comparison): `08-benchmark --model X` prints it with the ceiling. */
export function renderMetricsTable(columns: Array<{ title: string; metrics: RunMetrics }>): string {
  const rows = METRICS.map((m) => [m.label, ...columns.map((c) => formatValue(m.unit, c.metrics[m.key]))]);
  return renderTable(["metric", ...columns.map((c) => c.title)], rows, 24);
}

export function renderMetricsMarkdown(columns: Array<{ title: string; metrics: RunMetrics }>): string {
  const head = ["Metric", ...columns.map((c) => c.title)];
  const rows = METRICS.map((m) => [m.label, ...columns.map((c) => formatValue(m.unit, c.metrics[m.key]))]);
  return [markdownRow(head), markdownRow(head.map((_, i) => (i === 0 ? "---" : "---:"))), ...rows.map(markdownRow)].join("\n");
}

/** The axes of a confusion matrix: expected types (rows) and output types (columns), `(none)` last. */
export function confusionAxes(confusion: RunMetrics["confusion"]): { expected: string[]; produced: string[] } {
  const expected = Object.keys(confusion).sort();
  const produced = [...new Set(Object.values(confusion).flatMap((row) => Object.keys(row)))].sort((a, b) =>
    a === NO_TYPE ? 1 : b === NO_TYPE ? -1 : a.localeCompare(b),
  );
  return { expected, produced };
}

/** Expected type (rows) against the output's type (columns); `(none)` where no type parses. */
export function renderConfusionTable(metrics: RunMetrics): string {
  const { expected, produced } = confusionAxes(metrics.confusion);
  const rows = expected.map((type) => [type, ...produced.map((p) => metrics.confusion[type]?.[p] ?? "")]);
  return renderTable(["expected \\ output", ...produced], rows, 8);
}
