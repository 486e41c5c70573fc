/** The Python interpreter of cells 05–06, doctor and the rehearsal, and the project's own environment (.venv). */
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { RunbookError } from "./errors.js";

const run = promisify(execFile);

const PROJECT_DIR = resolve(import.meta.dirname, "../..");
const SETUP_SCRIPT = join(PROJECT_DIR, "python/setup_env.py");

/** `.venv`'s python, which `npm run setup:python` makes. */
export const projectVenvPython = () =>
  join(PROJECT_DIR, ".venv", process.platform === "win32" ? "Scripts/python.exe" : "bin/python");

/** JOCO_PYTHON when set; else the project's .venv when it exists; else python3 on PATH. */
export function pythonInterpreter(): string {
  if (process.env.JOCO_PYTHON) return process.env.JOCO_PYTHON;
  return existsSync(projectVenvPython()) ? projectVenvPython() : "python3";
}

/**
 * Makes or updates .venv (python/setup_env.py: idempotent, one line when it is
 * current) unless JOCO_PYTHON names another interpreter. Its output goes to `log`.
 * `withMlx`: add MLX where it has wheels (the mlx backend; on Linux, MLX's CPU build).
 */
export async function ensurePythonEnv(log: (line: string) => void, options: { withMlx?: boolean; signal?: AbortSignal } = {}): Promise<string> {
  if (process.env.JOCO_PYTHON) return process.env.JOCO_PYTHON;
  const bootstrap = process.env.JOCO_BOOTSTRAP_PYTHON || "python3";
  const args = [SETUP_SCRIPT, ...(options.withMlx ? ["--with-mlx"] : [])];
  const child = spawn(bootstrap, args, { stdio: ["ignore", "pipe", "pipe"], signal: options.signal });
  const lines: string[] = [];
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n").filter(Boolean)) {
      lines.push(line);
      log(line);
    }
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const code = await new Promise<number | null>((done) => child.on("close", done).on("error", () => done(null)));
  if (code !== 0) {
    throw new RunbookError(
      `Could not make the Python environment (.venv): ${lines.at(-1) ?? `${bootstrap} did not start`}`,
      "Run `npm run setup:python` and read its output; or set JOCO_PYTHON to an interpreter with the training packages.",
    );
  }
  return projectVenvPython();
}

export interface PythonInfo {
  executable: string;
  version: [number, number, number];
}

export async function probePython(executable = pythonInterpreter()): Promise<PythonInfo | undefined> {
  try {
    const { stdout } = await run(executable, ["-c", "import sys; print('%d %d %d' % sys.version_info[:3])"], { timeout: 20_000 });
    const [major = 0, minor = 0, micro = 0] = stdout.trim().split(" ").map(Number);
    return { executable, version: [major, minor, micro] };
  } catch {
    return undefined;
  }
}

export const isSupportedPython = (info: PythonInfo) => info.version[0] === 3 && info.version[1] >= 10;

/**
 * Which of these modules the interpreter cannot find. find_spec only locates
 * them, so the check takes milliseconds even for torch.
 */
export async function missingPythonModules(modules: string[], executable = pythonInterpreter()): Promise<string[]> {
  const script = [
    "import importlib.util, json, sys",
    "names = json.loads(sys.argv[1])",
    "print(json.dumps([n for n in names if importlib.util.find_spec(n) is None]))",
  ].join("\n");
  const { stdout } = await run(executable, ["-c", script, JSON.stringify(modules)], { timeout: 30_000 });
  return JSON.parse(stdout) as string[];
}
