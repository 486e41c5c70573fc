/**
 * Preflight of cell 05-train: everything that would make a training run fail
 * after minutes of loading, checked in seconds, each with a fix-it line.
 * The Python side is probed once per process (the interpreter, its packages,
 * then what torch sees through python/probe_accelerator.py).
 */
import { execFile } from "node:child_process";
import { stat, statfs } from "node:fs/promises";
import { freemem } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { z } from "zod";
import type { Precondition } from "../core/cell.js";
import { type PythonInfo, ensurePythonEnv, isSupportedPython, missingPythonModules, probePython, pythonInterpreter } from "../core/python.js";
import { verifyDataset } from "../curate/dataset.js";
import type { TrainingConfig } from "./settings.js";

const run = promisify(execFile);
const PYTHON_DIR = resolve(import.meta.dirname, "../../python");
const GB = 1024 ** 3;

/** What the `hf` backend imports; `unsloth` needs these and its own stack. */
export const HF_MODULES = ["torch", "transformers", "peft", "accelerate"];
export const UNSLOTH_MODULES = [...HF_MODULES, "unsloth", "trl", "datasets", "bitsandbytes"];

export const MLX_MODULES = ["mlx", "mlx_lm", "transformers"];

export const requiredModules = (backend: TrainingConfig["training"]["backend"]) =>
  backend === "unsloth" ? UNSLOTH_MODULES : backend === "mlx" ? MLX_MODULES : HF_MODULES;

const AcceleratorSchema = z.object({
  torch: z.string().nullable(),
  error: z.string().optional(),
  cuda: z.object({ name: z.string(), free_bytes: z.number(), total_bytes: z.number() }).nullable(),
  mps: z.object({ recommended_bytes: z.number().nullable() }).nullable(),
});
export type Accelerator = z.infer<typeof AcceleratorSchema>;

export interface TrainingEnvironment {
  python: string;
  info: PythonInfo | undefined;
  /** Missing modules out of UNSLOTH_MODULES (a superset of what any backend needs). */
  missing: string[];
  /** Undefined until torch is installed. */
  accelerator: Accelerator | undefined;
}

const probes = new Map<string, Promise<TrainingEnvironment>>();

export function probeTrainingEnvironment(python = pythonInterpreter()): Promise<TrainingEnvironment> {
  let probe = probes.get(python);
  if (!probe) {
    probe = (async () => {
      const info = await probePython(python);
      if (!info || !isSupportedPython(info)) return { python, info, missing: UNSLOTH_MODULES, accelerator: undefined };
      const missing = await missingPythonModules([...new Set([...UNSLOTH_MODULES, ...MLX_MODULES])], python);
      if (missing.includes("torch")) return { python, info, missing, accelerator: undefined };
      const { stdout } = await run(python, [join(PYTHON_DIR, "probe_accelerator.py")], { timeout: 120_000 });
      return { python, info, missing, accelerator: AcceleratorSchema.parse(JSON.parse(stdout)) };
    })();
    probes.set(python, probe);
  }
  return probe;
}

/** Parameters in billions from a name such as Qwen2.5-Coder-1.5B; 1.5 when the name does not say. */
const billionsOf = (baseModel: string) => Number(/(\d+(?:\.\d+)?)B\b/i.exec(baseModel)?.[1] ?? 1.5);
const oneDecimal = (value: number) => Math.round(value * 10) / 10;

/** Rough lower bound of the memory LoRA training takes: weights (4-bit, bf16 or fp32), activations with gradient checkpointing, logits. */
export function estimateTrainingMemoryGb(options: { baseModel: string; bytesPerWeight: number; maxSeqLength: number; batchSize: number }): number {
  const activations = 1.5 * options.batchSize * (options.maxSeqLength / 2048);
  return oneDecimal(billionsOf(options.baseModel) * options.bytesPerWeight + activations + 1);
}

/** The 16-bit download (the largest form the hf path may fetch), each kept checkpoint (adapter + optimizer state), and the adapter. */
export function estimateDiskGb(options: { baseModel: string; saveTotalLimit: number }): number {
  return oneDecimal(billionsOf(options.baseModel) * 2 + (options.saveTotalLimit + 1) * 0.5);
}

const gb = (bytes: number) => (bytes / GB).toFixed(1);

type Options = { allowCpu: boolean };

export function trainingPreconditions(): Precondition<TrainingConfig, Options>[] {
  // Read when a check runs, not when the cell is defined: the first check may have just made .venv.
  const python = () => pythonInterpreter();
  return [
    {
      name: "training data from 04-curate",
      check: async ({ config, path }) => {
        const file = path(config.paths.dataset, "train.jsonl");
        const size = await stat(file).then((s) => s.size, () => 0);
        return size > 0 ? verifyDataset(path(config.paths.dataset)) : `${file} is missing or empty`;
      },
      hint: "Run `npx tsx runbook/04-curate.ts` (it writes dataset/train.jsonl and validation.jsonl).",
    },
    {
      name: "the project's Python environment",
      check: async ({ config }): Promise<true> => {
        await ensurePythonEnv((line) => console.log(`  ${line}`), { withMlx: config.training.backend === "mlx" });
        return true;
      },
      hint: "Run `npm run setup:python` and read its output (or set JOCO_PYTHON to an interpreter with the training packages).",
    },
    {
      name: "Python 3.10+",
      check: async () => {
        const { info } = await probeTrainingEnvironment(python());
        if (!info) return `${python()} not found`;
        return isSupportedPython(info) || `${python()} is Python ${info.version.join(".")}`;
      },
      hint: "Install Python 3.10+ and point JOCO_PYTHON at it (a virtual environment's bin/python, see README \"05-train\").",
    },
    {
      name: "training packages",
      check: async ({ config }) => {
        const { info, missing } = await probeTrainingEnvironment(python());
        if (!info || !isSupportedPython(info)) return true; // reported by the check above
        const needed = missing.filter((m) => requiredModules(config.training.backend).includes(m));
        return needed.length === 0 || `missing Python packages for ${python()}: ${needed.join(", ")}`;
      },
      hint: "Run `npm run setup:python` (it makes .venv with the pinned set for this machine), or install them into the interpreter JOCO_PYTHON names.",
    },
    {
      name: "a GPU (CUDA or Apple MPS)",
      check: async ({ config, options }) => {
        const { accelerator } = await probeTrainingEnvironment(python());
        if (config.training.backend === "mlx") return true; // MLX uses Metal, or its CPU build; torch is not involved
        if (!accelerator) return true; // torch is not installed: the package check says so
        if (!accelerator.torch) return `torch cannot be imported: ${accelerator.error}`;
        if (config.training.backend === "unsloth" && !accelerator.cuda) return `training.backend is "unsloth" but torch ${accelerator.torch} sees no CUDA GPU`;
        if (accelerator.cuda || accelerator.mps || options.allowCpu || config.training.allowCpu) return true;
        return `torch ${accelerator.torch} sees no CUDA GPU and no Apple MPS`;
      },
      hint: 'Train on a machine with an NVIDIA GPU or Apple Silicon (torch built with CUDA/MPS), pass --allow-cpu to train on the CPU (hours), or set training.backend to "auto".',
    },
    {
      name: "enough memory for training",
      check: async ({ config }) => {
        const { accelerator } = await probeTrainingEnvironment(python());
        if (!accelerator?.torch) return true;
        const { training } = config;
        const [device, free, bytesPerWeight] = accelerator.cuda
          ? [`GPU ${accelerator.cuda.name}`, accelerator.cuda.free_bytes, training.loadIn4bit ? 0.7 : 2]
          : accelerator.mps?.recommended_bytes
            ? ["Apple GPU (MPS)", accelerator.mps.recommended_bytes, 4]
            : ["RAM", freemem(), 4];
        const need = estimateTrainingMemoryGb({ ...training, bytesPerWeight });
        return free / GB >= need || `${gb(free)} GB free on the ${device}; training ${training.baseModel} at maxSeqLength ${training.maxSeqLength}, batch ${training.batchSize} needs about ${need} GB`;
      },
      hint: "Lower training.maxSeqLength (e.g. 1024) or training.batchSize, close other programs using the GPU, or choose a smaller training.baseModel.",
    },
    {
      name: "free disk for the model and checkpoints",
      check: async ({ config, root }) => {
        const stats = await statfs(root);
        const free = stats.bavail * stats.bsize;
        const need = estimateDiskGb(config.training);
        return free / GB >= need || `${gb(free)} GB free in ${root}; the base model, ${config.training.saveTotalLimit} checkpoints and the adapter need about ${need} GB`;
      },
      hint: "Free disk space (the base model also goes to ~/.cache/huggingface), or lower training.saveTotalLimit.",
    },
  ];
}
