/**
 * 05-train — Fine-tune with LoRA
 *
 * Checks the Python side first (interpreter, packages, GPU, memory, disk), then
 * runs python/train.py on dataset/train.jsonl: Unsloth on CUDA, transformers +
 * peft elsewhere. Live progress with ETA and loss; Ctrl-C saves a checkpoint and
 * a re-run resumes from it. Writes outputs/ (checkpoints, train.log) and joco-lora/.
 */
import { z } from "zod";
import { defineCell } from "../lib/core/cell.js";
import { isMain } from "../lib/core/cli.js";
import { runCellScript } from "../lib/core/runner.js";
import { TrainOutputsSchema, summarizeTraining, trainAdapter } from "../lib/train/launcher.js";
import { trainingPreconditions } from "../lib/train/preflight.js";
import { ConfigSchema, type Config } from "./00-config.js";
import curateCell from "./04-curate.js";

const cell = defineCell({
  id: "05-train",
  title: "Fine-tune with LoRA",
  version: 1,
  dependsOn: [curateCell],
  options: z.object({
    resume: z.boolean().default(true).describe("resume from the last trainer checkpoint in outputs/ (when config and dataset are unchanged)"),
    allowCpu: z.boolean().default(false).describe("train on the CPU when there is no CUDA or Apple GPU (hours for a 1.5B model)"),
  }),
  reads: (config: Config) => ({
    training: config.training,
    dataset: config.paths.dataset,
    outputs: config.paths.outputs,
    adapter: config.paths.adapter,
  }),
  preconditions: trainingPreconditions(),
  outputs: TrainOutputsSchema,
  outs: (config) => [config.paths.adapter],
  run: (ctx) => trainAdapter(ctx),
  summarize: summarizeTraining,
});

export default cell;
if (isMain(import.meta.url)) await runCellScript(cell, ConfigSchema);
