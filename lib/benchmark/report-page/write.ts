/**
 * Where the report page's data comes from, and the two ways it is written:
 * by 08 after a benchmark (the runs, the reference run and the cases it has
 * in hand) and by `08-benchmark report [runA runB …]` for any saved runs
 * (the cases read back from each run's case file; the runs 08 last recorded
 * when none are named). Training and model figures are whatever 05 and 06
 * recorded in checkpoints.json, or found in outputs/; each may be absent.
 */
import { stat } from "node:fs/promises";
import { relative, resolve } from "node:path";
import { z } from "zod";
import { readCheckpoints } from "../../core/checkpoints.js";
import { UsageError } from "../../core/errors.js";
import type { Case } from "../../core/records.js";
import { readLossHistory } from "../../train/history.js";
import { BenchmarkOutputsSchema, caseFiles, fitCaseDiffs, loadCases } from "../benchmark.js";
import { metricsOver } from "../compare.js";
import { type BootstrapSettings, pairedIds, referenceMetrics } from "../report.js";
import { type Run, loadRun } from "../runs.js";
import { type ModelFile, buildReportPage } from "./page.js";
import { writeReportPage } from "./render.js";

export interface ReportSettings {
  /** The project folder; the other paths are absolute. */
  root: string;
  file: string;
  runsDir: string;
  outputsDir: string;
  targetSizeMB: number;
  /** The diff budget in estimated tokens, as 04 and 08 cut diffs (lib/curate/tokens.ts). */
  diffBudgetTokens: number;
  types: string[];
  bootstrap: BootstrapSettings;
}

/** A cell's recorded outputs by id (CellContext.upstream, or read from checkpoints.json). */
export type Upstream = (cellId: string) => unknown;

const ExportedSchema = z.looseObject({ artifact: z.string(), sizeBytes: z.number(), quantization: z.string().optional() });

function modelFileOf(upstream: Upstream, targetMB: number): ModelFile | null {
  const parsed = ExportedSchema.safeParse(upstream("06-export"));
  if (!parsed.success) return null;
  return { artifact: parsed.data.artifact, sizeBytes: parsed.data.sizeBytes, quantization: parsed.data.quantization ?? null, targetMB };
}

async function writePage(runs: Run[], ceiling: { metrics: unknown; runId: string | null }, cases: Case[], upstream: Upstream, settings: ReportSettings) {
  const page = buildReportPage({
    runs,
    ceiling: ceiling.metrics,
    ceilingRunId: ceiling.runId,
    cases,
    casesFile: runs[0]?.casesFile ?? "",
    training: await readLossHistory(upstream("05-train"), settings.outputsDir),
    model: modelFileOf(upstream, settings.targetSizeMB),
    bootstrap: settings.bootstrap,
    generatedAt: new Date(),
  });
  const bytes = await writeReportPage(settings.file, page);
  return `Report page: ${relative(settings.root, settings.file)} (${(bytes / 1e6).toFixed(1)} MB; open it in a browser, it needs no network)`;
}

/** After a benchmark: the runs it made (before first), its reference run, the cases as prompted. Returns the line to log. */
export function writeBenchmarkPage(runs: Run[], reference: Run, cases: Case[], upstream: Upstream, settings: ReportSettings): Promise<string> {
  return writePage(runs, { metrics: metricsOver(reference, pairedIds(runs)), runId: reference.runId }, cases, upstream, settings);
}

/** A run's cases read back from its case file (or folder), cut to the budget they were prompted with; none when it is gone. */
async function casesOf(run: Run, settings: ReportSettings): Promise<Case[]> {
  const path = resolve(settings.root, run.casesFile);
  const info = await stat(path).catch(() => null);
  if (!info) return [];
  const files = info.isDirectory() ? (await caseFiles(settings.root, run.casesFile)).files : [path];
  return fitCaseDiffs((await loadCases(files, Number.POSITIVE_INFINITY)).cases, settings.diffBudgetTokens).cases;
}

/** `08-benchmark report [runA runB …]`: saved runs (ids or paths), or those 08 recorded last. Returns the line to log. */
export async function writeSavedRunsPage(idsOrPaths: string[], settings: ReportSettings): Promise<string> {
  const checkpoints = await readCheckpoints(settings.root);
  const upstream: Upstream = (id) => checkpoints.cells[id]?.outputs;
  let ids = idsOrPaths;
  if (ids.length === 0) {
    const recorded = BenchmarkOutputsSchema.safeParse(upstream("08-benchmark"));
    if (!recorded.success) {
      throw new UsageError("08-benchmark has recorded no runs to report on", "Name the runs: npx tsx runbook/08-benchmark.ts report <runA> <runB> … (ids in benchmark/runs)");
    }
    ids = [...recorded.data.runs, recorded.data.reference];
  }
  const loaded = await Promise.all(ids.map((id) => loadRun(settings.runsDir, id)));
  const reference = loaded.find((r) => r.backend === "reference");
  const runs = loaded.filter((r) => r !== reference);
  if (runs.length === 0) throw new UsageError("report needs at least one model run besides the reference", "npx tsx runbook/08-benchmark.ts report <runA> [runB …]");
  const cases = await casesOf(runs[0]!, settings);
  if (reference) return writeBenchmarkPage(runs, reference, cases, upstream, settings);
  const paired = pairedIds(runs);
  const ceiling = await referenceMetrics(runs[0]!.results.filter((r) => paired.has(r.id)), settings.types);
  return writePage(runs, { metrics: ceiling, runId: null }, cases, upstream, settings);
}
