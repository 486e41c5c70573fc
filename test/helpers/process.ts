import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

export const REPO_ROOT = resolve(import.meta.dirname, "../..");
export const TSX = join(REPO_ROOT, "node_modules/.bin/tsx");
/** tsx as a loader in one node process: a signal (SIGKILL too) reaches the script itself, not a wrapper. */
export const TSX_LOADER_URL = pathToFileURL(join(REPO_ROOT, "node_modules/tsx/dist/loader.mjs")).href;

const madeDirs = new Set<string>();

/** A fresh folder under the system temp dir, removed after the test file (test/helpers/cleanup.ts). */
export async function tempDir(prefix = "joco-test-"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  madeDirs.add(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  for (const dir of madeDirs) await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  madeDirs.clear();
}

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts `node --import tsx script args` in `cwd`; the handle lets a test signal or kill it while it runs. */
export function startTsx(
  script: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): { child: ChildProcess; result: Promise<ProcessResult>; output: () => string } {
  const child = spawn(process.execPath, ["--import", TSX_LOADER_URL, script, ...args], {
    cwd: options.cwd,
    env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk) => (stdout += chunk));
  child.stderr?.on("data", (chunk) => (stderr += chunk));
  const result = new Promise<ProcessResult>((done) => {
    child.on("close", (code, signal) => done({ code, signal, stdout, stderr }));
  });
  return { child, result, output: () => stdout + stderr };
}

export function runTsx(script: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<ProcessResult> {
  return startTsx(script, args, options).result;
}

/** Resolves once the process has printed `text` (or rejects after `ms`). */
export async function waitForOutput(output: () => string, text: string, ms = 15_000): Promise<void> {
  const started = Date.now();
  while (!output().includes(text)) {
    if (Date.now() - started > ms) throw new Error(`timed out waiting for "${text}"; got:\n${output()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
