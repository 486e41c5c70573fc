/**
 * What the rehearsal needs before its cells run: the Python environment, the
 * tiny random Qwen2 with the real Qwen tokenizer, and that untrained model as
 * a GGUF — the "before" of its benchmark. Each is made once and kept.
 */
import { execFile } from "node:child_process";
import { rename, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { CommandError } from "../core/errors.js";
import { pathExists } from "../core/files.js";
import { ensurePythonEnv } from "../core/python.js";

const run = promisify(execFile);
const PYTHON_DIR = resolve(import.meta.dirname, "../../python");

export interface PreparedModels {
  python: string;
  tinyModelDir: string;
  baseGguf: string;
}

export interface Phase {
  name: string;
  seconds: number;
  /** Reused from an earlier rehearsal rather than made now. */
  reused: boolean;
}

async function python(executable: string, script: string, args: string[]): Promise<void> {
  try {
    await run(executable, [join(PYTHON_DIR, script), ...args], { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, HF_HUB_OFFLINE: "1" } });
  } catch (error) {
    const failed = error as { code?: number; stderr?: string };
    throw new CommandError(`${executable} python/${script} ${args.join(" ")}`, failed.code ?? null, failed.stderr ?? String(error), "Read the Python error above.");
  }
}

/**
 * Makes `target` (a file or folder) once: `make` writes `<target>.partial`, renamed
 * into place when it succeeds, so an interrupted build is never taken for a finished one.
 */
async function timed(phases: Phase[], name: string, target: string, make: (partial: string) => Promise<void>): Promise<void> {
  const started = performance.now();
  const reused = await pathExists(target);
  if (!reused) {
    const partial = `${target}.partial`;
    await rm(partial, { recursive: true, force: true });
    await make(partial);
    await rename(partial, target);
  }
  phases.push({ name, seconds: (performance.now() - started) / 1000, reused });
}

export async function prepareRehearsal(dir: string, log: (line: string) => void, phases: Phase[], withMlx: boolean): Promise<PreparedModels> {
  const started = performance.now();
  const executable = await ensurePythonEnv((line) => log(`  ${line}`), { withMlx });
  phases.push({ name: "python environment", seconds: (performance.now() - started) / 1000, reused: false });

  const tinyModelDir = join(dir, "tiny-base");
  await timed(phases, "tiny model", tinyModelDir, async (partial) => {
    log("Building a tiny random Qwen2 with the real Qwen tokenizer (python/tiny_model.py)");
    await python(executable, "tiny_model.py", [partial]);
  });
  const baseGguf = join(dir, "tiny-base.q8_0.gguf");
  await timed(phases, "base GGUF", baseGguf, async (partial) => {
    log("Converting the untrained model to GGUF with llama.cpp's converter (the benchmark's before)");
    await python(executable, "convert_model.py", [tinyModelDir, partial, "--outtype", "q8_0"]);
  });
  return { python: executable, tinyModelDir, baseGguf };
}
