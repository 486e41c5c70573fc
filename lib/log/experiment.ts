/**
 * EXPERIMENT_LOG.md: one dated entry per experiment, appended, never
 * rewritten. An entry is rendered from data gathered by 09-log; a part whose
 * source is missing (no training yet, no dataset stats) says so instead.
 */
import { appendWhole, pathExists, writeFileAtomic } from "../core/files.js";

export const LOG_HEADER =
  "# Experiment log\n\nOne entry per experiment, appended by `npx tsx runbook/09-log.ts`; earlier entries are never rewritten.\n";

export interface LossPoint {
  step: number;
  loss: number;
}

export interface ExperimentEntry {
  date: Date;
  title: string;
  hypothesis: string | null;
  config: Array<[string, string]>;
  dataset: { train: number; validation: number; byType: Record<string, number> } | null;
  training: { runtimeSeconds: number | null; steps: number | null; trainLoss: number | null; evalLoss: number | null; lossCurve: LossPoint[] } | null;
  /** The before/after table (or one run's metrics) in Markdown. */
  benchmarkMarkdown: string | null;
  model: { file: string; sizeBytes: number; targetMB: number } | null;
  runs: Array<[string, string]>;
  /** 08's report page, relative to the log file, when it exists. */
  reportPage?: string | null;
}

const MAX_CHART_POINTS = 40;

/** Evenly thinned to at most 40 points (first and last kept), so the chart stays readable. */
export function thinCurve(curve: LossPoint[], max = MAX_CHART_POINTS): LossPoint[] {
  if (curve.length <= max) return curve;
  return Array.from({ length: max }, (_, i) => curve[Math.round((i * (curve.length - 1)) / (max - 1))]!);
}

export function lossChart(curve: LossPoint[]): string {
  const points = thinCurve(curve);
  const losses = points.map((p) => Number(p.loss.toFixed(4)));
  return [
    "```mermaid",
    "xychart-beta",
    '  title "Training loss"',
    `  x-axis "step" [${points.map((p) => p.step).join(", ")}]`,
    `  y-axis "loss" ${Math.floor(Math.min(...losses) * 10) / 10} --> ${Math.ceil(Math.max(...losses) * 10) / 10}`,
    `  line [${losses.join(", ")}]`,
    "```",
  ].join("\n");
}

const pad = (n: number) => String(n).padStart(2, "0");
const stamp = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
const figure = (value: number | null, digits = 4) => (value === null ? "n/a" : value.toFixed(digits));
const table = (head: string[], rows: string[][]) =>
  [head, head.map(() => "---"), ...rows].map((cells) => `| ${cells.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`).join("\n");

function trainingSection(training: ExperimentEntry["training"]): string[] {
  if (!training) return ["No training figures (05-train has not recorded any)."];
  const minutes = training.runtimeSeconds === null ? "n/a" : `${(training.runtimeSeconds / 60).toFixed(1)} min`;
  const lines = [`Runtime ${minutes}, ${training.steps ?? "n/a"} steps; final training loss ${figure(training.trainLoss)}, final validation loss ${figure(training.evalLoss)}.`];
  if (training.lossCurve.length > 1) lines.push("", lossChart(training.lossCurve));
  return lines;
}

export function renderExperimentEntry(entry: ExperimentEntry): string {
  const { dataset, model } = entry;
  const datasetLines = dataset
    ? [`${dataset.train} training and ${dataset.validation} validation examples.`, "", table(["type", "examples"], Object.entries(dataset.byType).map(([t, n]) => [t, String(n)]))]
    : ["No dataset statistics (dataset/stats.json not found)."];
  const size = model ? `\`${model.file}\`: ${(model.sizeBytes / 1e6).toFixed(0)} MB (target ${model.targetMB} MB).` : "No exported model (06-export has not run).";
  return [
    `## ${stamp(entry.date)} — ${entry.title}`,
    "",
    ...(entry.hypothesis ? [`**Hypothesis.** ${entry.hypothesis}`, ""] : []),
    "### Configuration",
    "",
    table(["setting", "value"], entry.config.map(([k, v]) => [k, v])),
    "",
    "### Dataset",
    "",
    ...datasetLines,
    "",
    "### Training",
    "",
    ...trainingSection(entry.training),
    "",
    "### Benchmark",
    "",
    entry.benchmarkMarkdown ?? "No benchmark runs.",
    "",
    ...(entry.reportPage ? [`Every case side by side, the confusion heat maps and the loss curve: [${entry.reportPage}](${encodeURI(entry.reportPage)}) (rewritten by each 08 run).`, ""] : []),
    "### Model",
    "",
    size,
    "",
    "### Runs",
    "",
    ...entry.runs.map(([role, id]) => `- ${role}: \`${id}\``),
    "",
  ].join("\n");
}

/** Appends (O_APPEND: the bytes already there are never touched); creates the file with its header first. */
export async function appendExperimentEntry(file: string, entry: string): Promise<void> {
  if (!(await pathExists(file))) await writeFileAtomic(file, LOG_HEADER);
  await appendWhole(file, `\n${entry}`);
}
