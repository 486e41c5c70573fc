/**
 * What killed runs leave behind: temp files of atomic writes
 * (`<file>.tmp-<pid>-<hash>`, files.ts) whose writer no longer runs. A run
 * that holds the lock removes them at its start, in the project folder (a few
 * levels down, skipping hidden folders, node_modules and virtual
 * environments) and in the folders of every recorded output.
 */
import { readdir, rm } from "node:fs/promises";
import { join, relative } from "node:path";
import { TEMP_FILE_PATTERN } from "./files.js";
import { isProcessAlive } from "./lock.js";

const MAX_DEPTH = 4;
const SKIPPED = new Set(["node_modules", "venv", "__pycache__"]);

async function tempFilesIn(dir: string, depth: number): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isFile() && isLeftover(entry.name)) found.push(path);
    else if (entry.isDirectory() && depth > 0 && !entry.name.startsWith(".") && !SKIPPED.has(entry.name)) {
      found.push(...(await tempFilesIn(path, depth - 1)));
    }
  }
  return found;
}

function isLeftover(name: string): boolean {
  const match = TEMP_FILE_PATTERN.exec(name);
  if (!match) return false;
  const pid = Number(match[1]);
  return pid !== process.pid && !isProcessAlive(pid);
}

/** Removes the temp files of writers that are gone; returns them relative to `root`. */
export async function removeLeftoverTempFiles(root: string, outputDirs: string[] = []): Promise<string[]> {
  const found = new Set(await tempFilesIn(root, MAX_DEPTH));
  for (const dir of outputDirs) for (const file of await tempFilesIn(dir, 0)) found.add(file);
  for (const file of found) await rm(file, { force: true });
  return [...found].map((file) => relative(root, file));
}
