/**
 * Renders comparisons and run metrics: a terminal table (cli-table3; a delta
 * is green when it is better, red when worse, grey when not significant) and
 * the same table in Markdown for EXPERIMENT_LOG.md. A rate is shown with its
 * 95% Wilson interval in brackets.
 *
 * A before/after table can hold more than one "before" (the baseline, and the
 * baseline prompted with retrieved examples): one value column per run, then
 * Δ, 95% CI and McNemar p of the fine-tuned model against each of them.
 */
import { type Comparison, METRICS, type MetricComparison, type MetricDefinition, type MetricUnit, type RunLabel, metricInterval, metricValue } from "./compare.js";
import { NO_TYPE, type RunMetrics } from "./metrics.js";
import { chalk, renderTable } from "../core/ui.js";

const SCALE: Record<MetricUnit, number> = { rate: 100, score: 1, similarity: 100, ms: 1, perSecond: 1 };
const DIGITS: Record<MetricUnit, number> = { rate: 1, score: 1, similarity: 1, ms: 0, perSecond: 1 };
const SUFFIX: Record<MetricUnit, string> = { rate: "%", score: "", similarity: "", ms: " ms", perSecond: "" };
const DELTA_SUFFIX: Record<MetricUnit, string> = { rate: " pts", score: "", similarity: "", ms: " ms", perSecond: "" };

type Interval = { low: number; high: number } | null;

const scaled = (unit: MetricUnit, value: number) => (value * SCALE[unit]).toFixed(DIGITS[unit]);
const signed = (unit: MetricUnit, value: number) => {
  const text = scaled(unit, value);
  return Number(text) > 0 ? `+${text}` : Number(text) === 0 ? text.replace(/^-/, "") : text;
};

/** `62.0% [52.2, 70.9]` for a rate with its Wilson interval; `—` for no value. */
export function formatValue(unit: MetricUnit, value: number | null, interval: Interval = null): string {
  if (value === null) return "—";
  const range = interval ? ` [${scaled(unit, interval.low)}, ${scaled(unit, interval.high)}]` : "";
  return `${scaled(unit, value)}${SUFFIX[unit]}${range}`;
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

const modelTitle = (label: Pick<RunLabel, "model" | "variant">) => `${label.model}${label.variant ? ` ${label.variant}` : ""}`;
export const runTitle = (label: Pick<RunLabel, "model" | "mode" | "variant">) => `${modelTitle(label)} (${label.mode})`;
const CEILING = "reference (ceiling)";
const WILSON_NOTE = "[…] after a rate: its 95% Wilson interval";

/** A row with `onlyWhereDiffersFrom` is kept where some value differs from that metric's. */
function shownMetrics(valuesOf: (key: MetricDefinition["key"]) => Array<number | null>): MetricDefinition[] {
  return METRICS.filter((m) => {
    if (!m.onlyWhereDiffersFrom) return true;
    const other = valuesOf(m.onlyWhereDiffersFrom);
    return valuesOf(m.key).some((value, i) => value !== other[i]);
  });
}

const significance = (m: MetricComparison) => (m.significant === null ? "—" : m.significant ? "yes" : "no");

function beforeAfterRows(comparisons: Comparison[], reference: RunMetrics | undefined, format: (m: MetricComparison, text: string) => string, markdown = false) {
  const metricOf = (c: Comparison, key: MetricDefinition["key"]) => c.metrics.find((m) => m.key === key)!;
  const valuesOf = (key: MetricDefinition["key"]) => [...comparisons.map((c) => metricOf(c, key).before), metricOf(comparisons[0]!, key).after];
  return shownMetrics(valuesOf).map(({ key }) => {
    const [first] = comparisons.map((c) => metricOf(c, key));
    const cells = [first!.label, ...comparisons.map((c) => formatValue(first!.unit, metricOf(c, key).before, metricOf(c, key).beforeInterval))];
    cells.push(formatValue(first!.unit, first!.after, first!.afterInterval));
    for (const c of comparisons) {
      const m = metricOf(c, key);
      cells.push(format(m, formatDelta(m.unit, m.delta)), formatInterval(m.unit, m.ci), formatPValue(m.pValue), ...(markdown ? [significance(m)] : []));
    }
    if (reference) cells.push(formatValue(first!.unit, metricValue(reference, key), metricInterval(reference, key)));
    return cells;
  });
}

const deltaHeads = (comparisons: Comparison[], markdown = false) =>
  comparisons.flatMap((c, i) => [
    ...(i === 0 ? ["Δ", "95% CI", "McNemar p"] : [`Δ vs ${c.before.variant ?? c.before.model}`, "95% CI", "p"]),
    ...(markdown ? ["Significant"] : []),
  ]);

function pairedNote(comparisons: Comparison[], markdown = false): string {
  const [first] = comparisons;
  const unpaired = first!.unpairedCases ? `, ${first!.unpairedCases} unpaired left out` : "";
  const significance = markdown
    ? "significant: McNemar p < 0.05, or a bootstrap interval that excludes 0"
    : "grey Δ: not significant (McNemar p ≥ 0.05, or a bootstrap interval that includes 0)";
  return `${first!.pairedCases} paired cases${unpaired}; ${significance}; ${WILSON_NOTE}`;
}

/** Before/after, one value column per "before" run, all compared with the same "after" run. */
export function renderBeforeAfterTable(comparisons: Comparison[], reference?: RunMetrics): string {
  const after = comparisons[0]!.after;
  const head = ["metric", ...comparisons.map((c) => runTitle(c.before)), runTitle(after), ...deltaHeads(comparisons), ...(reference ? [CEILING] : [])];
  const rows = beforeAfterRows(comparisons, reference, colourDelta);
  return `${renderTable(head, rows, 24)}\n${chalk.gray(pairedNote(comparisons))}`;
}

export const renderComparisonTable = (comparison: Comparison, reference?: RunMetrics) => renderBeforeAfterTable([comparison], reference);

const markdownRow = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`;
const markdownTable = (head: string[], rows: string[][]) =>
  [markdownRow(head), markdownRow(head.map((_, i) => (i === 0 ? "---" : "---:"))), ...rows.map(markdownRow)].join("\n");

export function renderBeforeAfterMarkdown(comparisons: Comparison[], reference?: RunMetrics): string {
  const after = comparisons[0]!.after;
  const befores = comparisons.map((c, i) => `${modelTitle(c.before)}${i === 0 ? " (before)" : ""}`);
  const head = ["Metric", ...befores, `${modelTitle(after)} (after)`, ...deltaHeads(comparisons, true), ...(reference ? ["Reference (ceiling)"] : [])];
  return `${markdownTable(head, beforeAfterRows(comparisons, reference, (_m, text) => text, true))}\n\n${pairedNote(comparisons, true)}.`;
}

export const renderComparisonMarkdown = (comparison: Comparison, reference?: RunMetrics) => renderBeforeAfterMarkdown([comparison], reference);

function metricsRows(columns: Array<{ title: string; metrics: RunMetrics }>): string[][] {
  const shown = shownMetrics((key) => columns.map((c) => metricValue(c.metrics, key)));
  return shown.map((m) => [m.label, ...columns.map((c) => formatValue(m.unit, metricValue(c.metrics, m.key), metricInterval(c.metrics, m.key)))]);
}

/** Metrics of one or more runs side by side (no comparison): `08-benchmark --model X` prints it with the ceiling. */
export function renderMetricsTable(columns: Array<{ title: string; metrics: RunMetrics }>): string {
  return `${renderTable(["metric", ...columns.map((c) => c.title)], metricsRows(columns), 24)}\n${chalk.gray(WILSON_NOTE)}`;
}

export function renderMetricsMarkdown(columns: Array<{ title: string; metrics: RunMetrics }>): string {
  return `${markdownTable(["Metric", ...columns.map((c) => c.title)], metricsRows(columns))}\n\n${WILSON_NOTE}.`;
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
