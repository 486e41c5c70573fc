/**
 * The page's before/after table, from the same data as the terminal table:
 * compareRuns (compare.ts) for the figures and tables.ts for how they are
 * written. The first run is "before"; every other run is compared with it,
 * so a few-shot run or a third model is one more column. Metric fields are
 * read defensively: a run written by an older or newer version of the
 * metrics may lack a figure, which then shows as "—".
 */
import { z } from "zod";
import { type Comparison, METRICS, type MetricUnit } from "../compare.js";
import { compareRuns } from "../compare.js";
import type { BootstrapSettings } from "../report.js";
import type { Run } from "../runs.js";
import { deltaVerdict, formatDelta, formatInterval, formatPValue, formatValue } from "../tables.js";

export interface RunColumn {
  runId: string;
  title: string;
  model: string;
  mode: string;
  backend: string;
  createdAt: string;
}

export interface SummaryCell {
  value: string;
  /** Against the first run; absent in the first column. */
  delta?: { text: string; interval: string; pValue: string; verdict: ReturnType<typeof deltaVerdict> };
}

export interface SummaryRow {
  label: string;
  cells: SummaryCell[];
  ceiling: string;
}

export interface Summary {
  columns: RunColumn[];
  rows: SummaryRow[];
  /** Per compared run: cases it shares with the first, and those left out. */
  pairing: Array<{ title: string; paired: number; unpaired: number }>;
  /** The original harness's figures (metrics.legacy), when every run has them. */
  legacy: { rows: Array<{ label: string; values: string[]; ceiling: string }> } | null;
}

/** "model (mode)", with the run id's hash added where two runs would read the same (a few-shot run of the baseline). */
export function runColumns(runs: Run[]): RunColumn[] {
  const titles = runs.map((r) => `${r.model} (${r.mode})`);
  return runs.map((run, i) => ({
    runId: run.runId,
    title: titles.filter((t) => t === titles[i]).length > 1 ? `${titles[i]} · ${run.runId.split("-").at(-1)}` : titles[i]!,
    model: run.model,
    mode: run.mode,
    backend: run.backend,
    createdAt: run.createdAt,
  }));
}

/** A figure of a metrics object, or null where this version of the metrics has none. */
export function figureOf(metrics: unknown, key: string): number | null {
  const value = (metrics as Record<string, unknown> | null | undefined)?.[key];
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

const LegacySchema = z.looseObject({ headerCompliance: z.number(), score: z.number(), typeAccuracy: z.number().nullable() });
const LEGACY_ROWS: Array<{ key: "headerCompliance" | "score" | "typeAccuracy"; label: string; unit: MetricUnit }> = [
  { key: "headerCompliance", label: "header compliance (original harness)", unit: "rate" },
  { key: "typeAccuracy", label: "type accuracy (original harness)", unit: "rate" },
  { key: "score", label: "score (original harness)", unit: "score" },
];

function legacyRows(runs: Run[], ceiling: unknown): Summary["legacy"] {
  const legacy = runs.map((r) => LegacySchema.safeParse((r.metrics as Record<string, unknown>).legacy));
  if (legacy.length === 0 || !legacy.every((l) => l.success)) return null;
  const ceilingLegacy = LegacySchema.safeParse((ceiling as Record<string, unknown>)?.legacy);
  return {
    rows: LEGACY_ROWS.map(({ key, label, unit }) => ({
      label,
      values: legacy.map((l) => formatValue(unit, l.data![key])),
      ceiling: ceilingLegacy.success ? formatValue(unit, ceilingLegacy.data[key]) : "—",
    })),
  };
}

export function buildSummary(runs: Run[], ceiling: unknown, bootstrap: BootstrapSettings): Summary {
  const [first, ...others] = runs;
  const comparisons: Comparison[] = first ? others.map((other) => compareRuns(first, other, bootstrap)) : [];
  const columns = runColumns(runs);
  const rows = METRICS.map((definition, i): SummaryRow => {
    const { unit } = definition;
    const firstValue = comparisons[0]?.metrics[i]?.before ?? figureOf(first?.metrics, definition.key);
    const compared = comparisons.map((comparison): SummaryCell => {
      const m = comparison.metrics[i]!;
      const delta = { text: formatDelta(unit, m.delta), interval: formatInterval(unit, m.ci), pValue: formatPValue(m.pValue), verdict: deltaVerdict(m) };
      return { value: formatValue(unit, m.after), delta };
    });
    return {
      label: definition.label,
      cells: [{ value: formatValue(unit, firstValue) }, ...compared],
      ceiling: formatValue(unit, figureOf(ceiling, definition.key)),
    };
  });
  const pairing = comparisons.map((c, i) => ({ title: columns[i + 1]!.title, paired: c.pairedCases, unpaired: c.unpairedCases }));
  return { columns, rows, pairing, legacy: legacyRows(runs, ceiling) };
}
