/**
 * Type confusion matrices as heat maps: the counts of each run's
 * metrics.confusion laid out on the axes the terminal table uses
 * (tables.ts), each cell shaded by its share of the row, so "of the
 * expected fix commits, how many came out as feat" reads at a glance
 * whatever the class sizes. The template draws them as HTML tables.
 */
import { z } from "zod";
import type { Run } from "../runs.js";
import { confusionAxes } from "../tables.js";
import type { RunColumn } from "./summary.js";

export interface HeatmapCell {
  count: number;
  /** count / row total, 0–1: the shade. */
  share: number;
  diagonal: boolean;
}

export interface Heatmap {
  title: string;
  produced: string[];
  rows: Array<{ expected: string; total: number; cells: HeatmapCell[] }>;
  /** Cases on the diagonal / all cases in the matrix. */
  agreement: number | null;
}

// Read leniently: a run from another version of the metrics may lack the matrix.
const ConfusionSchema = z.record(z.string(), z.record(z.string(), z.number()));

export function buildHeatmap(title: string, confusion: unknown): Heatmap | null {
  const parsed = ConfusionSchema.safeParse(confusion);
  if (!parsed.success || Object.keys(parsed.data).length === 0) return null;
  const matrix = parsed.data;
  const { expected, produced } = confusionAxes(matrix);
  let onDiagonal = 0;
  let all = 0;
  const rows = expected.map((type) => {
    const counts = produced.map((p) => matrix[type]?.[p] ?? 0);
    const total = counts.reduce((a, b) => a + b, 0);
    all += total;
    onDiagonal += matrix[type]?.[type] ?? 0;
    return {
      expected: type,
      total,
      cells: counts.map((count, i) => ({ count, share: total === 0 ? 0 : count / total, diagonal: produced[i] === type })),
    };
  });
  return { title, produced, rows, agreement: all === 0 ? null : onDiagonal / all };
}

export function buildHeatmaps(runs: Run[], columns: RunColumn[]): Heatmap[] {
  return runs.flatMap((run, i) => {
    const heatmap = buildHeatmap(columns[i]!.title, (run.metrics as Record<string, unknown>).confusion);
    return heatmap ? [heatmap] : [];
  });
}
