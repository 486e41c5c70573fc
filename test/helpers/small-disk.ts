/**
 * A small tmpfs for full-disk tests: only root may mount one (and only where
 * the container allows it); `mountSmallDisk` returns undefined elsewhere, so
 * a test can fall back to `ulimit -f`.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { tempDir } from "./process.js";

const exec = promisify(execFile);

export interface SmallDisk {
  dir: string;
  /** Grows (or shrinks) the disk in place, keeping its files: "room again". */
  resize: (size: string) => Promise<void>;
  unmount: () => Promise<void>;
}

export async function mountSmallDisk(size: string): Promise<SmallDisk | undefined> {
  if (process.platform !== "linux" || process.getuid?.() !== 0) return undefined;
  const dir = await tempDir("joco-disk-");
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
