/**
 * Everything the report page shows, as one plain object built from the runs
 * and what the earlier cells left behind: the before/after table, the
 * confusion heat maps, the loss history, the model file against its size
 * target and every case. The template (report.eta) only lays it out.
 */
import { basename } from "node:path";
import { KNOWN_GGUF_SIZES_MB } from "../../export/report.js";
import type { Case } from "../../core/records.js";
import type { LossHistory } from "../../train/history.js";
import type { BootstrapSettings } from "../report.js";
import type { Run } from "../runs.js";
import { type CasesPayload, buildCasesPayload } from "./cases.js";
import { type Heatmap, buildHeatmaps } from "./heatmaps.js";
import { type Summary, buildSummary } from "./summary.js";

export interface ModelFile {
  /** As 06 recorded it, relative to the project folder. */
  artifact: string;
  sizeBytes: number;
  quantization: string | null;
  targetMB: number;
}

export interface ReportPageInput {
  /** The first is "before"; each other run is compared with it. */
  runs: Run[];
  /** The reference messages' metrics over the cases the runs share. */
  ceiling: unknown;
  ceilingRunId: string | null;
  /** The cases as the models were prompted with them (for the diffs); may be empty. */
  cases: Case[];
  casesFile: string;
  training: LossHistory | null;
  model: ModelFile | null;
  bootstrap: BootstrapSettings;
  generatedAt: Date;
}

export interface SizeBar {
  label: string;
  /** The full name, where the label is shortened. */
  title: string;
  sizeMB: number;
  /** Of the longest bar, 0–1. */
  width: number;
  kind: "model" | "target" | "published";
}

export interface ReportPage {
  title: string;
  generatedAt: string;
  casesFile: string;
  ceilingRunId: string | null;
  summary: Summary;
  heatmaps: Heatmap[];
  training: (LossHistory & { lastLoss: number | null; lastEvalLoss: number | null }) | null;
  model: { artifact: string; quantization: string | null; sizeMB: number; targetMB: number; overTarget: number; bars: SizeBar[] } | null;
  cases: CasesPayload;
  /** Cases whose diff is missing (the case file was not found). */
  missingDiffs: number;
}

const lastOf = <T>(points: T[], value: (p: T) => number | null) => {
  for (let i = points.length - 1; i >= 0; i -= 1) {
    const v = value(points[i]!);
    if (v !== null) return v;
  }
  return null;
};

function modelSection(model: ModelFile | null): ReportPage["model"] {
  if (!model) return null;
  const sizeMB = model.sizeBytes / 1e6;
  const entries: Array<Omit<SizeBar, "width">> = [
    { label: basename(model.artifact), title: `${model.artifact}${model.quantization ? ` (${model.quantization})` : ""}`, sizeMB, kind: "model" },
    { label: "target", title: "export.targetSizeMB", sizeMB: model.targetMB, kind: "target" },
    ...KNOWN_GGUF_SIZES_MB.map((k) => ({ label: `${k.model} ${k.quantization}`, title: "published GGUF size", sizeMB: k.sizeMB, kind: "published" as const })),
  ];
  const longest = Math.max(...entries.map((e) => e.sizeMB));
  return {
    artifact: model.artifact,
    quantization: model.quantization,
    sizeMB,
    targetMB: model.targetMB,
    overTarget: (sizeMB - model.targetMB) / model.targetMB,
    bars: entries.map((e) => ({ ...e, width: e.sizeMB / longest })),
  };
}

/** "baseline → fine-tuned", and how many runs more are compared. */
function titleOf(runs: Run[]): string {
  if (runs.length <= 1) return runs[0]?.model ?? "no runs";
  const more = runs.length - 2;
  return `${runs[0]!.model} → ${runs.at(-1)!.model}${more ? ` (and ${more} more run${more > 1 ? "s" : ""})` : ""}`;
}

export function buildReportPage(input: ReportPageInput): ReportPage {
  const summary = buildSummary(input.runs, input.ceiling, input.bootstrap);
  const cases = buildCasesPayload(input.runs, input.cases);
  const { training } = input;
  return {
    title: titleOf(input.runs),
    generatedAt: input.generatedAt.toISOString(),
    casesFile: input.casesFile,
    ceilingRunId: input.ceilingRunId,
    summary,
    heatmaps: buildHeatmaps(input.runs, summary.columns),
    training: training && {
      ...training,
      lastLoss: lastOf(training.loss, (p) => p.loss),
      lastEvalLoss: lastOf(training.eval, (p) => p.evalLoss),
    },
    model: modelSection(input.model),
    cases,
    missingDiffs: cases.cases.filter((c) => c.diff === null).length,
  };
}
