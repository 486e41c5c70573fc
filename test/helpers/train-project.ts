import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CheckpointsSchema } from "../../lib/core/checkpoints.js";
import { REPO_ROOT, runTsx, startTsx, tempDir } from "./process.js";

export const TRAIN_CELL = join(REPO_ROOT, "runbook/05-train.ts");
export const FAKE_TRAINER = join(REPO_ROOT, "test/fixtures/fake-trainer.py");
/** torch, transformers, peft and accelerate stand-ins: put on PYTHONPATH, the preflight passes. */
export const FAKE_PYTHON_ENV = join(REPO_ROOT, "test/fixtures/python-env");

const example = (n: number) => ({
  instruction: "Write a Conventional Commit message for this git diff.",
  input: `diff --git a/f${n}.ts b/f${n}.ts\n+export const x${n} = ${n};`,
  output: `feat(f${n}): export x${n}`,
  metadata: { id: String(n), repository: "test", commitHash: "0".repeat(40), type: "feat", scope: `f${n}` },
});

/** A project folder in which 04-curate is done: a curated dataset and checkpoints.json saying so. */
export async function makeTrainProject(training: Record<string, unknown> = {}): Promise<string> {
  const root = await tempDir("joco-train-");
  await mkdir(join(root, "dataset"));
  const lines = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `${JSON.stringify(example(from + i))}\n`).join("");
  await writeFile(join(root, "dataset/train.jsonl"), lines(0, 8));
  await writeFile(join(root, "dataset/validation.jsonl"), lines(8, 10));
  await writeFile(join(root, "checkpoints.json"), JSON.stringify({ version: 1, cells: { "04-curate": { status: "done" } } }));
  await writeTrainingConfig(root, training);
  return root;
}

export async function writeTrainingConfig(root: string, training: Record<string, unknown>): Promise<void> {
  const defaults = { maxSteps: 6, loggingSteps: 2, saveSteps: 2, evalSteps: 3 };
  await writeFile(join(root, "joco.config.json"), JSON.stringify({ training: { ...defaults, ...training } }));
}

/** The environment of a run with the stand-in trainer and stand-in torch. */
export const fakeTrainerEnv = (root: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  JOCO_PYTHON: "python3",
  JOCO_TRAIN_SCRIPT: FAKE_TRAINER,
  PYTHONPATH: FAKE_PYTHON_ENV,
  FAKE_TRAINER_ARGV: join(root, "trainer-argv.jsonl"),
  ...extra,
});

export const runTrainCell = (root: string, args: string[], env: NodeJS.ProcessEnv) => runTsx(TRAIN_CELL, args, { cwd: root, env });
export const startTrainCell = (root: string, args: string[], env: NodeJS.ProcessEnv) => startTsx(TRAIN_CELL, args, { cwd: root, env });

export async function trainRecord(root: string) {
  const checkpoints = CheckpointsSchema.parse(JSON.parse(await readFile(join(root, "checkpoints.json"), "utf8")));
  return checkpoints.cells["05-train"];
}

/** The argument lists the stand-in trainer was started with, one per run. */
export async function trainerArgv(root: string): Promise<string[][]> {
  const text = await readFile(join(root, "trainer-argv.jsonl"), "utf8").catch(() => "");
  return text.split("\n").filter(Boolean).map((line) => JSON.parse(line) as string[]);
}
