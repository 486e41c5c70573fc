import { randomBytes } from "node:crypto";
import { mkdir, open, rename, rm, stat, truncate } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { RunbookError } from "./errors.js";

/**
 * A file that could not be written in full: the disk is full, a quota or a
 * size limit was hit. The message names the path; the previous file was left
 * as it was (atomic writes) or the partial append was cut off again.
 */
export class WriteError extends RunbookError {
  constructor(
    readonly path: string,
    problem: unknown,
    what = `the previous ${basename(path)} is untouched`,
  ) {
    const code = (problem as NodeJS.ErrnoException | undefined)?.code;
    super(
      `Could not write ${path}: ${WRITE_PROBLEMS[code ?? ""] ?? (problem as Error)?.message ?? String(problem)}${code ? ` (${code})` : ""}; ${what}.`,
      code && code in WRITE_PROBLEMS
        ? `Free space where ${dirname(path)} lives (\`df -h ${dirname(path)}\`), then re-run: what was finished is kept.`
        : undefined,
    );
  }
}

const WRITE_PROBLEMS: Record<string, string> = {
  ENOSPC: "no space left on the device",
  EDQUOT: "the disk quota is exceeded",
  EFBIG: "the file grew past the size limit (ulimit -f or the file system's)",
  ESHORT: "only part of it reached the disk",
};

/** `<file>.tmp-<pid>-<8 hex>`: the pid lets the next run tell a killed run's leftovers from a live writer's. */
export const TEMP_FILE_PATTERN = /\.tmp-(\d+)-[0-9a-f]{8}$/;
export const tempPathFor = (path: string) => `${path}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;

/**
 * Write via a temp file in the same folder, check that every byte reached it,
 * fsync, then rename: readers see the old or the new file, never half of one.
 * On any failure the temp file is removed and the old file stays.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = tempPathFor(path);
  const bytes = typeof data === "string" ? Buffer.from(data) : data;
  try {
    const handle = await open(temp, "w");
    try {
      // writeFile keeps writing until every byte is out (a bare write() may return a short count).
      await handle.writeFile(bytes);
      await handle.sync();
      await expectSize(handle, bytes.byteLength);
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error instanceof RunbookError ? error : new WriteError(path, error);
  }
}

/** The written size must be what was meant to be written, whatever the calls in between reported. */
export async function expectSize(handle: { stat: () => Promise<{ size: number }> }, expected: number): Promise<void> {
  const { size } = await handle.stat();
  if (size !== expected) {
    throw Object.assign(new Error(`${size} of ${expected} bytes reached the file`), { code: "ESHORT" });
  }
}

const appendQueues = new Map<string, Promise<unknown>>();

/**
 * Appends all of `text` or nothing: one append at a time per file (so a failed
 * one can be cut off without cutting another), fdatasync'd; a short or failed
 * write is truncated back, so the file never keeps a torn line that a later
 * append would glue onto.
 */
export function appendWhole(path: string, text: string): Promise<void> {
  // An earlier append's failure was its own caller's to handle; this one starts after it either way.
  const next = (appendQueues.get(path) ?? Promise.resolve()).catch(() => {}).then(() => appendNow(path, text));
  appendQueues.set(path, next);
  const forget = () => {
    if (appendQueues.get(path) === next) appendQueues.delete(path);
  };
  next.then(forget, forget);
  return next;
}

async function appendNow(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const bytes = Buffer.from(text);
  const handle = await open(path, "a");
  const before = (await handle.stat()).size;
  try {
    await handle.writeFile(bytes);
    await handle.datasync();
    await expectSize(handle, before + bytes.byteLength);
  } catch (error) {
    await handle.close().catch(() => {});
    await truncate(path, before).catch(() => {});
    throw new WriteError(path, error, "the partial line was removed again");
  }
  await handle.close();
}

export async function pathExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

export async function fileSize(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}
