/**
 * A small tmpfs for full-disk tests: only root may mount one (and only where
 * the container allows it); `mountSmallDisk` returns undefined elsewhere, so
 * a test can fall back to `ulimit -f` (runTsxUnderFileLimit).
 */
import { execFile, spawn } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { promisify } from "node:util";
import { type ProcessResult, TSX_LOADER_URL, tempDir } from "./process.js";

const exec = promisify(execFile);

export interface SmallDisk {
  dir: string;
  /** Grows (or shrinks) the disk in place, keeping its files: "room again". */
  resize: (size: string) => Promise<void>;
  unmount: () => Promise<void>;
}

/** Mounts a tmpfs of `size` at `at` (created; default a new temp folder). */
export async function mountSmallDisk(size: string, at?: string): Promise<SmallDisk | undefined> {
  if (process.platform !== "linux" || process.getuid?.() !== 0) return undefined;
  const dir = at ?? (await tempDir("joco-disk-"));
  await mkdir(dir, { recursive: true });
  try {
    await exec("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir]);
  } catch {
    return undefined;
  }
  let mounted = true;
  return {
    dir,
    resize: async (next) => void (await exec("mount", ["-o", `remount,size=${next}`, dir])),
    unmount: async () => {
      if (mounted) await exec("umount", [dir]);
      mounted = false;
    },
  };
}

/**
 * `node --import tsx script args` with every file it writes limited to `kib`
 * KiB (`ulimit -f` counts 512-byte blocks in POSIX sh) and SIGXFSZ ignored,
 * so a write past the limit fails with EFBIG instead of killing the process.
 */
export function runTsxUnderFileLimit(script: string, args: string[], options: { cwd: string; kib: number; env?: NodeJS.ProcessEnv }): Promise<ProcessResult> {
  const shell = `trap '' XFSZ; ulimit -f ${options.kib * 2}; exec "$@"`;
  const child = spawn("sh", ["-c", shell, "sh", process.execPath, "--import", TSX_LOADER_URL, script, ...args], {
    cwd: options.cwd,
    env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1", TSX_DISABLE_CACHE: "1", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  return new Promise((done) => child.on("close", (code, signal) => done({ code, signal, stdout, stderr })));
}
