import { execFile } from "node:child_process";
import { statfs } from "node:fs/promises";
import { promisify } from "node:util";
import { createOllamaClient, ollamaHost } from "./serve/ollama.js";
import { isSupportedPython, missingPythonModules, probePython, pythonInterpreter } from "./core/python.js";
import { HF_MODULES } from "./train/preflight.js";
import { probeBackendChoice } from "./train/backend-choice.js";
import type { TrainingSettings } from "./train/settings.js";
import { renderTable, tick } from "./core/ui.js";

const run = promisify(execFile);

export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
  /** How to fix a ✗; also printed for a ✓ that is only a warning. */
  fix: string;
  /** A ✗ that does not block the main path (e.g. no GPU: training still runs, slowly). */
  optional?: boolean;
}

const MIN_FREE_GB = 15;

/**
 * Every check, as data; `printDoctor` renders them. None of them prints a secret.
 * `training`: the configuration's training section, or the error that kept it from loading.
 */
export async function runDoctorChecks(root: string, training: TrainingSettings | Error): Promise<DoctorCheck[]> {
  const checks = [checkGit(), checkPythonStack(), checkAccelerator(), checkBackend(training), checkOllama(), checkApiKey(), checkDisk(root)];
  return Promise.all(checks).then((c) => c.flat());
}

/** What a plain 05-train would pick and why; on a Mac or with mlx, whether it fits the unified memory, with the estimate. */
async function checkBackend(training: TrainingSettings | Error): Promise<DoctorCheck[]> {
  if (training instanceof Error) {
    return [{ name: "configuration", ok: false, detail: training.message.split("\n").map((line) => line.trim()).filter(Boolean).join(" "), fix: "Fix the configuration as the message says: every cell reads it." }];
  }
  const choice = await probeBackendChoice(pythonInterpreter(), training);
  if (choice instanceof Error) return [{ name: "training backend", ok: false, detail: choice.message, fix: "Run `npm run setup:python`, then doctor again." }];
  const backend: DoctorCheck = {
    name: "training backend",
    ok: choice.backend !== null,
    detail: choice.backend ? `${choice.backend} (${choice.reason})` : choice.reason,
    fix: choice.note ?? "",
  };
  if (!choice.machine.apple_silicon && choice.backend !== "mlx" && training.backend !== "mlx") return [backend];
  const { estimate, guidance } = choice.memory;
  const memory = choice.machine.memory_bytes ? `${(choice.machine.memory_bytes / 1024 ** 3).toFixed(0)} GB ${choice.machine.apple_silicon ? "unified memory" : "memory"}` : "memory unknown";
  const basis = `estimate ${estimate.total_gb} GB = weights ${estimate.weights} + activations ${estimate.activations} + LoRA, logits, overhead; ${estimate.lora_blocks} LoRA blocks`;
  return [
    backend,
    {
      name: "mlx memory",
      ok: guidance.fits !== false,
      optional: true,
      detail: `${memory}: ${guidance.message} (${basis})`,
      fix: guidance.fits === false ? "Set what the message says in joco.config.json (python/mlx_memory.py explains the estimate)." : "",
    },
  ];
}


async function checkGit(): Promise<DoctorCheck> {
  try {
    const { stdout } = await run("git", ["--version"]);
    return { name: "git", ok: true, detail: stdout.trim(), fix: "" };
  } catch {
    return { name: "git", ok: false, detail: "not found on PATH", fix: "Install git (https://git-scm.com/downloads)." };
  }
}

async function checkPythonStack(): Promise<DoctorCheck[]> {
  const executable = pythonInterpreter();
  const info = await probePython(executable);
  if (!info || !isSupportedPython(info)) {
    const detail = info ? `${executable} is Python ${info.version.join(".")}` : `${executable} not found`;
    const fix = "Set JOCO_PYTHON to a Python 3.10+, or unset it and run `npm run setup:python` (it makes .venv).";
    return [{ name: "python ≥ 3.10", ok: false, detail, fix }];
  }
  const python: DoctorCheck = { name: "python ≥ 3.10", ok: true, detail: `${executable} (${info.version.join(".")})`, fix: "" };
  const missing = await missingPythonModules([...HF_MODULES, "unsloth"], executable).catch(() => [...HF_MODULES, "unsloth"]);
  const core = missing.filter((m) => m !== "unsloth");
  return [
    python,
    {
      name: "training packages",
      ok: core.length === 0,
      detail: core.length ? `missing: ${core.join(", ")}` : HF_MODULES.join(", "),
      fix: "`npm run setup:python` (makes .venv with the pinned set for this machine), or set JOCO_PYTHON to an interpreter that has them",
    },
    {
      name: "unsloth (optional)",
      ok: !missing.includes("unsloth"),
      optional: true,
      detail: missing.includes("unsloth") ? "not installed: 05-train uses transformers + peft" : "installed",
      fix: `${executable} -m pip install unsloth   (CUDA only; faster, less memory)`,
    },
  ];
}

async function checkAccelerator(): Promise<DoctorCheck> {
  try {
    const { stdout } = await run("nvidia-smi", ["--query-gpu=name,memory.total", "--format=csv,noheader"], { timeout: 10_000 });
    return { name: "GPU", ok: true, detail: `NVIDIA ${stdout.trim().split("\n").join("; ")}`, fix: "" };
  } catch {
    if (process.platform === "darwin" && process.arch === "arm64") {
      return { name: "GPU", ok: true, detail: "Apple Silicon (MPS)", fix: "" };
    }
    return {
      name: "GPU",
      ok: false,
      optional: true,
      detail: "no NVIDIA GPU (nvidia-smi) and not Apple Silicon",
      fix: "Training on CPU works but takes many hours; use a CUDA machine or a Mac with Apple Silicon.",
    };
  }
}

async function checkOllama(): Promise<DoctorCheck> {
  const host = ollamaHost();
  try {
    const client = await createOllamaClient(host);
    const { version } = await Promise.race([
      client.version(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error("no answer in 3s")), 3000).unref()),
    ]);
    return { name: "Ollama", ok: true, detail: `${version} at ${host}`, fix: "" };
  } catch (error) {
    return {
      name: "Ollama",
      ok: false,
      detail: `not reachable at ${host} (${(error as Error).message})`,
      fix: "Start it (`ollama serve`), or set OLLAMA_HOST to where it listens.",
    };
  }
}

async function checkApiKey(): Promise<DoctorCheck> {
  const set = Boolean(process.env.ANTHROPIC_API_KEY?.trim());
  return {
    name: "ANTHROPIC_API_KEY",
    ok: set,
    optional: true,
    detail: set ? "set (not shown)" : "not set: 03-label falls back to the `original` labeler",
    fix: "export ANTHROPIC_API_KEY=… (from console.anthropic.com) to label with Claude.",
  };
}

async function checkDisk(root: string): Promise<DoctorCheck> {
  const stats = await statfs(root);
  const freeGb = (stats.bavail * stats.bsize) / 1024 ** 3;
  return {
    name: "free disk",
    ok: freeGb >= MIN_FREE_GB,
    detail: `${freeGb.toFixed(1)} GB free in ${root}`,
    fix: `Free at least ${MIN_FREE_GB} GB: clones, the base model, checkpoints and the GGUF take about that.`,
  };
}

/** Renders the ✓/✗ table; exit code 1 when a required check failed. */
export function printDoctor(checks: DoctorCheck[]): number {
  const rows = checks.map((c) => [tick(c.ok) + (c.optional && !c.ok ? " (optional)" : ""), c.name, c.detail, c.ok ? "" : c.fix]);
  console.log(renderTable(["", "check", "found", "how to fix"], rows));
  return checks.some((c) => !c.ok && !c.optional) ? 1 : 0;
}
