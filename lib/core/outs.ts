/**
 * A cell's output files, as DVC records `outs` in dvc.lock: when a cell
 * finishes, each file or folder it declares is recorded with its size, a stat
 * stamp (sizes and mtimes: the quick check) and a content hash (the whole file
 * up to 8 MiB, else its size with its first and last MiB, the cheap stamp).
 * Later, a record whose stamp no longer matches is hashed again: a file that
 * is missing or whose content changed makes the cell not done.
 *
 * Synchronous on purpose: `status` computes every cell's state in one pass,
 * and a no-op run checks a handful of stats.
 */
import { createHash } from "node:crypto";
import { closeSync, openSync, readSync, readdirSync, statSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { z } from "zod";

export const OutRecordSchema = z.strictObject({
  /** As declared: relative to the project folder when inside it. */
  path: z.string(),
  kind: z.enum(["file", "dir"]),
  /** Bytes; for a folder, of every file in it. */
  size: z.number(),
  /** Files in a folder. */
  files: z.number().optional(),
  /** Hash of sizes and mtimes: unchanged means unchanged without reading a byte. */
  stat: z.string(),
  /** Hash of the content (or the cheap stamp of a large file). */
  hash: z.string(),
});
export type OutRecord = z.infer<typeof OutRecordSchema>;

const FULL_HASH_LIMIT = 8 * 1024 * 1024;
const STAMP_PART = 1024 * 1024;

const sha = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 16);

function contentHash(file: string, size: number): string {
  const hash = createHash("sha256").update(`${size}:`);
  const fd = openSync(file, "r");
  try {
    const read = (position: number, length: number) => {
      const buffer = Buffer.alloc(length);
      const bytes = readSync(fd, buffer, 0, length, position);
      hash.update(buffer.subarray(0, bytes));
    };
    if (size <= FULL_HASH_LIMIT) for (let at = 0; at < size; at += STAMP_PART) read(at, Math.min(STAMP_PART, size - at));
    else {
      read(0, STAMP_PART);
      read(size - STAMP_PART, STAMP_PART);
    }
  } finally {
    closeSync(fd);
  }
  return `${size <= FULL_HASH_LIMIT ? "sha256" : "stamp"}:${hash.digest("hex").slice(0, 16)}`;
}

interface Entry {
  name: string;
  size: number;
  mtimeMs: number;
  file: string;
}

function entriesOf(target: string): { kind: "file" | "dir"; entries: Entry[] } | undefined {
  let stats;
  try {
    stats = statSync(target);
  } catch {
    return undefined;
  }
  if (!stats.isDirectory()) return { kind: "file", entries: [{ name: "", size: stats.size, mtimeMs: stats.mtimeMs, file: target }] };
  const entries: Entry[] = [];
  for (const dirent of readdirSync(target, { recursive: true, withFileTypes: true })) {
    if (!dirent.isFile()) continue;
    const file = join(dirent.parentPath, dirent.name);
    const fileStats = statSync(file);
    entries.push({ name: relative(target, file), size: fileStats.size, mtimeMs: fileStats.mtimeMs, file });
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { kind: "dir", entries };
}

const statStamp = (entries: Entry[]) => sha(JSON.stringify(entries.map((e) => [e.name, e.size, e.mtimeMs])));
const contentStamp = (entries: Entry[]) => sha(JSON.stringify(entries.map((e) => [e.name, contentHash(e.file, e.size)])));

/** Size and content hash of one file, for a cell that reuses its own earlier output only if it is still what it wrote. */
export function fileStamp(file: string): { size: number; hash: string } | undefined {
  const found = entriesOf(file);
  if (found?.kind !== "file") return undefined;
  const { size } = found.entries[0]!;
  return { size, hash: contentHash(file, size) };
}

/** Records one output as it is now; undefined when it does not exist. */
export function stampOut(root: string, path: string): OutRecord | undefined {
  const target = resolve(root, path);
  const found = entriesOf(target);
  if (!found) return undefined;
  const shown = isAbsolute(path) && !relative(root, target).startsWith("..") ? relative(root, target) : path;
  const size = found.entries.reduce((sum, e) => sum + e.size, 0);
  return {
    path: shown,
    kind: found.kind,
    size,
    ...(found.kind === "dir" ? { files: found.entries.length } : {}),
    stat: statStamp(found.entries),
    hash: found.kind === "file" ? contentHash(target, size) : contentStamp(found.entries),
  };
}

/** Why a recorded output is no longer what the cell wrote, or undefined when it still is. */
export function outProblem(root: string, out: OutRecord): string | undefined {
  const found = entriesOf(resolve(root, out.path));
  if (!found) return `output ${out.path} is missing`;
  if (found.kind !== out.kind) return `output ${out.path} is now a ${found.kind === "dir" ? "folder" : "file"}`;
  if (statStamp(found.entries) === out.stat) return undefined;
  const size = found.entries.reduce((sum, e) => sum + e.size, 0);
  const hash = found.kind === "file" ? contentHash(found.entries[0]!.file, size) : contentStamp(found.entries);
  if (hash === out.hash) return undefined;
  return `output ${out.path} changed since it was written (${size === out.size ? "same size, other content" : `${out.size} → ${size} bytes`})`;
}

/** Records every declared output; the ones that do not exist are returned by name. */
export function recordOuts(root: string, paths: string[]): { outs: OutRecord[]; missing: string[] } {
  const outs: OutRecord[] = [];
  const missing: string[] = [];
  for (const path of [...new Set(paths)]) {
    const out = stampOut(root, path);
    if (out) outs.push(out);
    else missing.push(path);
  }
  return { outs, missing };
}

/** One hash of a cell's outputs' content: it enters the fingerprints downstream, so a changed output re-runs what reads it. */
export const outsDigest = (outs: OutRecord[]) => `outs:${sha(JSON.stringify(outs.map((o) => [o.path, o.hash])))}`;
