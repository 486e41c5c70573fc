/**
 * `npx tsx runbook/run.ts` is two processes: the tsx CLI, which `ps` shows as
 * the runbook, and under it the node process that runs the script. A kill -9
 * of the CLI cannot be relayed, so the script would run on alone, reparented,
 * still holding the lock. Started under the tsx CLI, the script therefore
 * watches its parent and, once it is gone, stops as on Ctrl-C.
 */
import { basename, dirname } from "node:path";

const POLL_MS = 250;

/** True when this process was started by the tsx CLI (which preloads its preflight script), not by `node --import tsx`. */
export function startedByTsxCli(execArgv: string[] = process.execArgv): boolean {
  return execArgv.some((arg) => basename(arg).startsWith("preflight.") && basename(dirname(dirname(arg))) === "tsx");
}

/**
 * Calls `onGone` once, when the process that started this one has exited
 * (the parent pid changes when the kernel reparents an orphan). Returns the
 * function that stops watching. Does nothing outside the tsx CLI.
 */
export function watchParent(onGone: (parentPid: number) => void): () => void {
  if (!startedByTsxCli()) return () => {};
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone(parent);
  }, POLL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
