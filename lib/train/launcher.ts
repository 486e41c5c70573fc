/**
 * Cell 05-train's launcher: writes the trainer config (config.training + paths)
 * to outputs/joco-train.json, decides whether to resume, runs python/train.py
 * (or JOCO_TRAIN_SCRIPT, a stand-in that speaks the same protocol) and turns
 * its result into the cell's outputs. Resuming follows the Trainer: a
 * checkpoint in outputs/ is resumed only when it came from the same config and
 * dataset; otherwise the stale checkpoints are removed and training starts over.
 */
import { createHash } from "node:crypto";
import { readFile, readdir, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { z } from "zod";
import type { CellContext } from "../core/cell.js";
import { InterruptedError } from "../core/errors.js";
import { pathExists, writeFileAtomic } from "../core/files.js";
import { pythonInterpreter } from "../core/python.js";
import { type TrainerOutcome, runTrainerProcess } from "./process.js";
import { formatDuration } from "../core/ui.js";
import type { TrainingConfig } from "./settings.js";

export const TRAINER_CONFIG_FILE = "joco-train.json";
export const TRAINER_LOG_FILE = "train.log";

export const TrainOutputsSchema = z.object({
  adapter: z.string(),
  backend: z.string(),
  device: z.string(),
  baseModel: z.string(),
  steps: z.int(),
  trainLoss: z.number().nullable(),
  evalLoss: z.number().nullable(),
  /** Seconds of training, summed over the Ctrl-C'd sessions this run resumed. */
  runtimeSeconds: z.number(),
  resumedFrom: z.string().nullable(),
  examples: z.int(),
  truncated: z.int(),
  /** Kept for 09-log: the training loss every loggingSteps, and each evaluation. */
  lossCurve: z.array(z.object({ step: z.int(), loss: z.number().nullable() })),
  evalCurve: z.array(z.object({ step: z.int(), evalLoss: z.number().nullable() })),
});
export type TrainOutputs = z.infer<typeof TrainOutputsSchema>;

/** The trainer script: python/train.py, or JOCO_TRAIN_SCRIPT (tests use a stand-in speaking the same protocol). */
export const trainerScript = () => resolve(process.env.JOCO_TRAIN_SCRIPT || join(import.meta.dirname, "../../python/train.py"));

async function sha256Of(files: string[]): Promise<string> {
  const hash = createHash("sha256");
  for (const file of files) hash.update(await readFile(file).catch(() => Buffer.alloc(0))).update("\0");
  return hash.digest("hex");
}

/** What train.py reads (python/train_config.py): the training section as it is, plus the paths. */
export async function buildTrainerConfig(config: TrainingConfig, root: string) {
  const trainFile = join(config.paths.dataset, "train.jsonl");
  const validationFile = join(config.paths.dataset, "validation.jsonl");
  // allowCpu is the launcher's (a precondition), not a training setting.
  const { allowCpu: _allowCpu, ...training } = config.training;
  return {
    version: 1,
    ...training,
    trainFile,
    validationFile,
    outputDir: config.paths.outputs,
    adapterDir: config.paths.adapter,
    datasetSha256: await sha256Of([resolve(root, trainFile), resolve(root, validationFile)]),
  };
}
export type TrainerConfig = Awaited<ReturnType<typeof buildTrainerConfig>>;

export interface TrainerCheckpoint {
  path: string;
  step: number;
  complete: boolean;
}

/** checkpoint-N folders in outputs/, by step; complete once trainer_state.json (written last) is there. */
export async function listCheckpoints(outputsDir: string): Promise<TrainerCheckpoint[]> {
  const entries = await readdir(outputsDir, { withFileTypes: true }).catch(() => []);
  const found = await Promise.all(
    entries
      .filter((entry) => entry.isDirectory() && /^checkpoint-\d+$/.test(entry.name))
      .map(async (entry) => ({
        path: join(outputsDir, entry.name),
        step: Number(entry.name.slice("checkpoint-".length)),
        complete: await pathExists(join(outputsDir, entry.name, "trainer_state.json")),
      })),
  );
  return found.sort((a, b) => a.step - b.step);
}

export type ResumePlan =
  | { action: "fresh" }
  | { action: "resume"; from: TrainerCheckpoint }
  | { action: "restart"; reason: "force" | "no-resume" | "changed" | "incomplete"; discard: TrainerCheckpoint[] };

export async function planResume(outputsDir: string, config: TrainerConfig, options: { resume: boolean; force: boolean }): Promise<ResumePlan> {
  const checkpoints = await listCheckpoints(outputsDir);
  if (checkpoints.length === 0) return { action: "fresh" };
  const previous = await readFile(join(outputsDir, TRAINER_CONFIG_FILE), "utf8").then(JSON.parse, () => undefined);
  const sameRun = JSON.stringify(previous) === JSON.stringify(config);
  const last = checkpoints.filter((c) => c.complete).at(-1);
  if (options.resume && !options.force && sameRun && last) return { action: "resume", from: last };
  const reason = options.force ? "force" : !options.resume ? "no-resume" : !sameRun ? "changed" : "incomplete";
  return { action: "restart", reason, discard: checkpoints };
}

const RESTART_REASONS = {
  force: "--force",
  "no-resume": "--no-resume",
  changed: "the training config or dataset changed since they were saved",
  incomplete: "none of them was saved completely",
};

function describePlan(plan: ResumePlan, root: string): string {
  if (plan.action === "fresh") return "Starting a new training run.";
  if (plan.action === "resume") return `Resuming from ${relativeTo(root, plan.from.path)} (step ${plan.from.step}): same config and dataset.`;
  return `Starting over (${RESTART_REASONS[plan.reason]}): removing ${plan.discard.length} old checkpoint(s) from ${relativeTo(root, join(plan.discard[0]?.path ?? "", ".."))}.`;
}

const relativeTo = (root: string, path: string) => (path.startsWith(`${root}/`) ? path.slice(root.length + 1) : path);

type TrainContext = CellContext<TrainingConfig, { resume: boolean }>;

export async function trainAdapter(ctx: TrainContext): Promise<TrainOutputs> {
  const outputsDir = ctx.path(ctx.config.paths.outputs);
  const trainerConfig = await buildTrainerConfig(ctx.config, ctx.root);
  const plan = await planResume(outputsDir, trainerConfig, { resume: ctx.options.resume, force: ctx.force });
  ctx.log(describePlan(plan, ctx.root));
  if (plan.action === "restart") await Promise.all(plan.discard.map((c) => rm(c.path, { recursive: true, force: true })));
  const configFile = join(outputsDir, TRAINER_CONFIG_FILE);
  await writeFileAtomic(configFile, `${JSON.stringify(trainerConfig, null, 2)}\n`);

  const earlierSeconds = plan.action === "resume" ? Number(ctx.state.get().runtimeSeconds ?? 0) : 0;
  const resumeArgs = plan.action === "resume" ? ["--resume-from", relativeTo(ctx.root, plan.from.path)] : [];
  const outcome = await runTrainerProcess({
    python: pythonInterpreter(),
    args: [trainerScript(), "--config", relativeTo(ctx.root, configFile), ...resumeArgs],
    cwd: ctx.root,
    signal: ctx.signal,
    log: ctx.log,
    logFile: join(outputsDir, TRAINER_LOG_FILE),
    echoLoading: true,
  });
  const runtimeSeconds = earlierSeconds + (outcome.kind === "done" ? outcome.done.runtime : outcome.stopped.runtime);
  await ctx.state.save({ runtimeSeconds });
  if (outcome.kind === "stopped") {
    const { step, checkpoint } = outcome.stopped;
    ctx.log(checkpoint ? `  Stopped at step ${step}; ${checkpoint} saved. Re-run to resume from it.` : "  Stopped before training began.");
    throw new InterruptedError("SIGINT");
  }
  return outputsOf(outcome, runtimeSeconds);
}

function outputsOf(outcome: Extract<TrainerOutcome, { kind: "done" }>, runtimeSeconds: number): TrainOutputs {
  const { start, done } = outcome;
  return {
    adapter: done.adapter,
    backend: start?.backend ?? "unknown",
    device: start?.device ?? "unknown",
    baseModel: start?.base_model ?? "unknown",
    steps: done.steps,
    trainLoss: done.train_loss,
    evalLoss: done.eval_loss,
    runtimeSeconds,
    resumedFrom: start?.resumed_from ?? null,
    examples: start?.examples ?? 0,
    truncated: start?.truncated ?? 0,
    lossCurve: done.loss_curve,
    evalCurve: done.eval_curve.map((point) => ({ step: point.step, evalLoss: point.eval_loss })),
  };
}

export function summarizeTraining(outputs: TrainOutputs): string {
  const loss = (value: number | null) => (value === null ? "–" : value.toFixed(3));
  return `${outputs.steps} steps on ${outputs.device}, loss ${loss(outputs.trainLoss)} / eval ${loss(outputs.evalLoss)} in ${formatDuration(outputs.runtimeSeconds * 1000)} → ${outputs.adapter}`;
}
