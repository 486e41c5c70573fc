import { execFile } from "node:child_process";
import { statfs } from "node:fs/promises";
import { promisify } from "node:util";
import { createOllamaClient, ollamaHost } from "./serve/ollama.js";
import { isSupportedPython, missingPythonModules, probePython, pythonInterpreter } from "./core/python.js";
import { HF_MODULES } from "./train/preflight.js";
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

/** Every check, as data; `printDoctor` renders them. None of them prints a secret. */
export async function runDoctorChecks(root: string): Promise<DoctorCheck[]> {
  return Promise.all([checkGit(), checkPythonStack(), checkAccelerator(), checkOllama(), checkApiKey(), checkDisk(root)]).then((c) =>
    c.flat(),
  );
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
    const fix = "Install Python 3.10+ and set JOCO_PYTHON to its path (a virtual environment's bin/python).";
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
      fix: `${executable} -m pip install -r python/requirements.txt`,
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
