import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The interpreter for cells 05–06 and doctor: JOCO_PYTHON (a venv's python), else python3 on PATH. */
export function pythonInterpreter(): string {
  return process.env.JOCO_PYTHON || "python3";
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
