import { open, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { LockedError } from "./errors.js";
import { WriteError } from "./files.js";

export const LOCK_FILE = ".joco.lock";

interface LockInfo {
  pid: number;
  startedAt: string;
  command: string;
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * One runbook process per folder. The lock file is created exclusively; a lock
 * left by a process that no longer exists (kill -9, a closed laptop lid) is taken over.
 */
export async function acquireLock(root: string, command: string): Promise<{ release: () => Promise<void>; tookOverFrom?: number }> {
  const file = join(root, LOCK_FILE);
  const info: LockInfo = { pid: process.pid, startedAt: new Date().toISOString(), command };
  let tookOverFrom: number | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(file, "wx");
      try {
        await handle.writeFile(JSON.stringify(info));
      } catch (error) {
        // An empty lock file reads as a dead holder's: never leave one behind for a second process to take over.
        await handle.close().catch(() => {});
        await rm(file, { force: true });
        throw new WriteError(file, error, "no lock was taken");
      }
      await handle.close();
      return { release: () => releaseLock(file), tookOverFrom };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = await readLockInfo(file);
    if (holder && isProcessAlive(holder.pid) && holder.pid !== process.pid) {
      throw new LockedError(
        `Another runbook process is working in this folder (pid ${holder.pid}, since ${holder.startedAt}: ${holder.command}).`,
        `Wait for it to finish or stop it; if no such process exists, delete ${file}.`,
      );
    }
    tookOverFrom = holder?.pid;
    await rm(file, { force: true });
  }
  throw new LockedError(`Could not take the lock ${file}: another process keeps recreating it.`, `Delete ${file} when no runbook is running.`);
}

async function readLockInfo(file: string): Promise<LockInfo | undefined> {
  try {
    const value = JSON.parse(await readFile(file, "utf8")) as Partial<LockInfo>;
    return typeof value.pid === "number" ? (value as LockInfo) : undefined;
  } catch {
    // Unreadable or half-written by a process that died while creating it.
    return undefined;
  }
}

async function releaseLock(file: string): Promise<void> {
  const holder = await readLockInfo(file);
  if (holder?.pid === process.pid) await rm(file, { force: true });
}
