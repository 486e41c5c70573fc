/**
 * What 03-label reports: computed once as data (the cell's typed outputs),
 * rendered in one place.
 */
import { z } from "zod";
import { RunbookError } from "../core/errors.js";
import type { ItemFailure, LabelTally } from "./run.js";
import type { Labeled } from "../core/records.js";
import { renderTable } from "../core/ui.js";

export const LabelSummarySchema = z.object({
  backend: z.string(),
  model: z.string().nullable(),
  diffs: z.int(),
  /** Diffs with a label in dataset/labeled, from this run or the cache. */
  labeled: z.int(),
  labeledNow: z.int(),
  skipped: z.int(),
  skippedByReason: z.record(z.string(), z.int()),
  failed: z.int(),
  /** The diffs that could not be labeled (the first 100): left out of dataset/labeled. */
  failures: z.array(z.object({ id: z.string(), repository: z.string(), error: z.string() })).optional(),
  /** Spent in this run, failed attempts included. */
  tokens: z.object({ input: z.int(), output: z.int(), cacheRead: z.int(), cacheWrite: z.int() }),
  costUsd: z.number(),
  /** What every label in the dataset cost when it was made. */
  datasetCostUsd: z.number(),
  types: z.record(z.string(), z.int()),
});
export type LabelSummary = z.infer<typeof LabelSummarySchema>;

export function summarizeLabeling(
  labeler: { backend: string; model: string | null },
  diffs: number,
  records: Labeled[],
  tally: LabelTally,
): LabelSummary {
  const types: Record<string, number> = {};
  for (const record of records) types[record.label.type] = (types[record.label.type] ?? 0) + 1;
  const spent = tally.spent;
  return {
    backend: labeler.backend,
    model: labeler.model,
    diffs,
    labeled: records.length,
    labeledNow: tally.labeled,
    skipped: Object.values(tally.skipped).reduce((a, b) => a + b, 0),
    skippedByReason: tally.skipped,
    failed: tally.failed.length,
    ...(tally.failed.length ? { failures: tally.failed.slice(0, 100) } : {}),
    tokens: {
      input: spent?.inputTokens ?? 0,
      output: spent?.outputTokens ?? 0,
      cacheRead: spent?.cacheReadTokens ?? 0,
      cacheWrite: spent?.cacheWriteTokens ?? 0,
    },
    costUsd: spent?.costUsd ?? 0,
    datasetCostUsd: records.reduce((sum, record) => sum + (record.usage?.costUsd ?? 0), 0),
    types: Object.fromEntries(Object.entries(types).sort(([, a], [, b]) => b - a)),
  };
}

const usd = (value: number) => `$${value.toFixed(value < 1 ? 4 : 2)}`;
const count = (value: number) => value.toLocaleString("en-US");

export function renderLabelSummary(summary: LabelSummary): string {
  const skipped = Object.entries(summary.skippedByReason).map(([reason, n]) => `${n} ${reason}`);
  const t = summary.tokens;
  const rows: (string | number)[][] = [
    ["labeled", `${count(summary.labeled)} of ${count(summary.diffs)} diffs (${count(summary.labeledNow)} now, ${count(summary.labeled - summary.labeledNow)} from the cache)`],
    ["skipped", skipped.length ? skipped.join("\n") : "0"],
    ["failed", summary.failed ? `${summary.failed} (left out of dataset/labeled)` : "0"],
  ];
  if (summary.backend !== "original") {
    rows.push(
      ["tokens", `input ${count(t.input)} · output ${count(t.output)} · cache read ${count(t.cacheRead)} · cache write ${count(t.cacheWrite)}`],
      ["cost", `${usd(summary.costUsd)} this run · ${usd(summary.datasetCostUsd)} for every label in the dataset`],
    );
  }
  const typeRows = Object.entries(summary.types).map(([type, n]) => [type, n, `${((n / Math.max(1, summary.labeled)) * 100).toFixed(1)}%`]);
  return [renderTable(["03-label", `${summary.backend}${summary.model ? ` (${summary.model})` : ""}`], rows), renderTable(["type", "labels", "share"], typeRows, 8)].join("\n");
}

export function oneLineSummary(summary: LabelSummary): string {
  const parts = [`${summary.labeled}/${summary.diffs} labeled (${summary.backend})`];
  if (summary.skipped) parts.push(`${summary.skipped} skipped`);
  if (summary.failed) parts.push(`${summary.failed} failed (${(summary.failures ?? []).slice(0, 3).map((f) => f.id).join(", ")}${summary.failed > 3 ? ", …" : ""} left out)`);
  if (summary.costUsd || summary.datasetCostUsd) parts.push(`${usd(summary.datasetCostUsd)}`);
  return parts.join(", ");
}

/**
 * A few diffs that no answer fits must not block the pipeline forever: at or
 * below `maxFraction` of all diffs they are only reported; above it, labeling
 * (or the prompt, or the API) is broken enough to stop for.
 */
export function judgeFailures(failed: ItemFailure[], diffs: number, maxFraction: number): { note?: string; error?: RunbookError } {
  if (failed.length === 0) return {};
  const share = `${((failed.length / Math.max(1, diffs)) * 100).toFixed(1)}%`;
  const limit = `labeling.maxFailedFraction ${(maxFraction * 100).toFixed(1)}%`;
  if (failed.length <= maxFraction * diffs) {
    return { note: `${failed.length} of ${diffs} diffs (${share}) could not be labeled: within ${limit}, so they are left out of dataset/labeled and listed in checkpoints.json (03-label outputs.failures).` };
  }
  return {
    error: new RunbookError(
      `${failed.length} of ${diffs} diffs could not be labeled (${share}, above ${limit}); the other labels are kept (see the list above, and state.failures in checkpoints.json).`,
      "Re-run the same command: only the failed diffs are asked again.",
    ),
  };
}
