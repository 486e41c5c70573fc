/**
 * Which backend a plain `05-train` would take here, and whether mlx training
 * fits this machine's memory: python/backend_choice.py's answer (standard
 * library only, so it runs before the training stack is installed), for doctor.
 */
import { execFile } from "node:child_process";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { z } from "zod";
import { errorMessage } from "../core/errors.js";
import type { TrainingSettings } from "./settings.js";

const run = promisify(execFile);
const SCRIPT = join(resolve(import.meta.dirname, "../../python"), "backend_choice.py");

export const BackendChoiceSchema = z.object({
  machine: z.object({ system: z.string(), arch: z.string(), apple_silicon: z.boolean(), memory_bytes: z.number().nullable() }),
  /** null: the configured backend cannot run here (reason says why, note how to fix it). */
  backend: z.enum(["unsloth", "hf", "mlx"]).nullable(),
  reason: z.string(),
  note: z.string().nullable(),
  memory: z.object({
    estimate: z.object({ total_gb: z.number(), weights: z.number(), activations: z.number(), lora_blocks: z.int() }),
    guidance: z.object({ fits: z.boolean().nullable(), message: z.string(), budget_gb: z.number().optional() }),
  }),
});
export type BackendChoice = z.infer<typeof BackendChoiceSchema>;

/** The settings the estimate depends on, as backend_choice.py's flags. */
export function backendChoiceArgs(training: TrainingSettings): string[] {
  return [
    "--backend", training.backend,
    "--base-model", training.mlx.model ?? training.baseModel,
    "--max-seq-length", String(training.maxSeqLength),
    "--batch-size", String(training.batchSize),
    "--num-layers", String(training.mlx.numLayers),
    "--lora-r", String(training.lora.r),
    ...(training.gradientCheckpointing ? [] : ["--no-gradient-checkpointing"]),
  ];
}

/** Runs backend_choice.py with `python`; an interpreter that fails or answers nonsense is an Error, not a throw. */
export async function probeBackendChoice(python: string, training: TrainingSettings): Promise<BackendChoice | Error> {
  try {
    const { stdout } = await run(python, [SCRIPT, ...backendChoiceArgs(training)], { timeout: 60_000 });
    return BackendChoiceSchema.parse(JSON.parse(stdout));
  } catch (error) {
    return new Error(`python/backend_choice.py failed: ${errorMessage(error).split("\n")[0]}`);
  }
}
