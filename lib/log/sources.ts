/**
 * Where 09-log finds its figures: the dataset stats 04 writes, the training
 * figures 05 records (or, failing that, the Hugging Face trainer state in the
 * newest checkpoint), and the file 06 exported. Each is optional: a missing or
 * unreadable source is null, and the entry says so.
 */
import { ExportOutputsSchema } from "../export/export.js";
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import type { ExperimentEntry, LossPoint } from "./experiment.js";

const DatasetStatsSchema = z.looseObject({
  examples: z.looseObject({ train: z.int(), validation: z.int() }),
  byType: z.record(z.string(), z.union([z.int(), z.looseObject({ train: z.int().default(0), validation: z.int().default(0) })])).default({}),
});

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, "utf8"));
  } catch {
    return undefined;
  }
}

export async function readDatasetStats(file: string): Promise<ExperimentEntry["dataset"]> {
  const parsed = DatasetStatsSchema.safeParse(await readJson(file));
  if (!parsed.success) return null;
  const byType = Object.fromEntries(
    Object.entries(parsed.data.byType).map(([type, n]) => [type, typeof n === "number" ? n : n.train + n.validation]),
  );
  return { train: parsed.data.examples.train, validation: parsed.data.examples.validation, byType };
}

const LossPointSchema = z.object({ step: z.number(), loss: z.number() });
// 05's recorded outputs, read leniently: any of these fields may be absent.
const TrainingOutputsSchema = z.looseObject({
  steps: z.number().optional(),
  runtimeSeconds: z.number().nullish(),
  runtime: z.number().nullish(),
  trainLoss: z.number().nullish(),
  evalLoss: z.number().nullish(),
  lossCurve: z.array(LossPointSchema).optional(),
});
const TrainerStateSchema = z.looseObject({
  global_step: z.number().optional(),
  log_history: z.array(z.looseObject({ step: z.number().optional(), loss: z.number().optional(), eval_loss: z.number().optional(), train_runtime: z.number().optional() })),
});

/** The trainer_state.json of the checkpoint with the highest step under `outputsDir`, if any. */
async function latestTrainerState(outputsDir: string): Promise<z.infer<typeof TrainerStateSchema> | null> {
  const names = await readdir(outputsDir).catch(() => [] as string[]);
  const steps = names.flatMap((n) => (/^checkpoint-(\d+)$/.exec(n) ? [Number(n.slice("checkpoint-".length))] : [])).sort((a, b) => b - a);
  for (const step of steps) {
    const parsed = TrainerStateSchema.safeParse(await readJson(join(outputsDir, `checkpoint-${step}`, "trainer_state.json")));
    if (parsed.success) return parsed.data;
  }
  return null;
}

export async function readTrainingFigures(upstream: unknown, outputsDir: string): Promise<ExperimentEntry["training"]> {
  const recorded = TrainingOutputsSchema.safeParse(upstream);
  const outputs = recorded.success ? recorded.data : undefined;
  const state = await latestTrainerState(outputsDir);
  const history = state?.log_history ?? [];
  const curveFromState: LossPoint[] = history.flatMap((h) => (h.step !== undefined && h.loss !== undefined ? [{ step: h.step, loss: h.loss }] : []));
  const evalLosses = history.flatMap((h) => (h.eval_loss !== undefined ? [h.eval_loss] : []));
  if (!outputs && !state) return null;
  const lossCurve = outputs?.lossCurve?.length ? outputs.lossCurve : curveFromState;
  return {
    runtimeSeconds: outputs?.runtimeSeconds ?? outputs?.runtime ?? history.find((h) => h.train_runtime !== undefined)?.train_runtime ?? null,
    steps: outputs?.steps ?? state?.global_step ?? null,
    trainLoss: outputs?.trainLoss ?? lossCurve.at(-1)?.loss ?? null,
    evalLoss: outputs?.evalLoss ?? evalLosses.at(-1) ?? null,
    lossCurve,
  };
}

export function readModelFile(upstream: unknown, targetMB: number): ExperimentEntry["model"] {
  const parsed = ExportOutputsSchema.safeParse(upstream);
  return parsed.success ? { file: parsed.data.artifact, sizeBytes: parsed.data.sizeBytes, targetMB } : null;
}
