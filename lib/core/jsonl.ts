import { createReadStream } from "node:fs";
import { mkdir, open, truncate } from "node:fs/promises";
import { dirname } from "node:path";
import { createInterface } from "node:readline";
import type { z } from "zod";
import { RunbookError } from "./errors.js";
import { writeFileAtomic } from "./files.js";

/**
 * JSONL is how long cells stay resumable: one finished item per line, appended
 * as it completes. A crash can tear only the last line (no trailing newline);
 * that line is dropped on read. A bad line anywhere else is corruption and is
 * reported with its file and line number.
 */
export class JsonlError extends RunbookError {}

function parseLine<T>(file: string, lineNo: number, text: string, schema?: z.ZodType<T>): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new JsonlError(
      `${file}:${lineNo}: not valid JSON (${(error as Error).message})`,
      "Fix or delete that line; every other line is kept.",
    );
  }
  if (!schema) return value as T;
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new JsonlError(`${file}:${lineNo}: ${issues}`, "Fix or delete that line; every other line is kept.");
  }
  return parsed.data;
}

/** Streams records with bounded memory; the torn last line of a crashed writer is skipped. */
export async function* streamJsonl<T = unknown>(file: string, schema?: z.ZodType<T>): AsyncGenerator<T> {
  const lines = createInterface({ input: createReadStream(file, { encoding: "utf8" }), crlfDelay: Infinity });
  let pending: { text: string; lineNo: number } | undefined;
  let lineNo = 0;
  for await (const text of lines) {
    lineNo += 1;
    if (pending) yield parseLine(file, pending.lineNo, pending.text, schema);
    pending = text.trim() === "" ? undefined : { text, lineNo };
  }
  if (!pending) return;
  const complete = await endsWithNewline(file);
  if (complete) yield parseLine(file, pending.lineNo, pending.text, schema);
  else {
    try {
      yield parseLine(file, pending.lineNo, pending.text, schema);
    } catch {
      // A torn last line: the writer died mid-append. Dropped, never fatal.
    }
  }
}

export async function readJsonl<T = unknown>(file: string, schema?: z.ZodType<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const record of streamJsonl(file, schema)) out.push(record);
  return out;
}

/** Like readJsonl, but a missing file is an empty list (a cell that has not started). */
export async function readJsonlIfExists<T = unknown>(file: string, schema?: z.ZodType<T>): Promise<T[]> {
  try {
    return await readJsonl(file, schema);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

async function endsWithNewline(file: string): Promise<boolean> {
  const handle = await open(file, "r");
  try {
    const { size } = await handle.stat();
    if (size === 0) return true;
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    return last[0] === 0x0a;
  } finally {
    await handle.close();
  }
}

/** Cuts a torn last line so the next append starts on a fresh line instead of gluing onto it. */
export async function repairJsonlTail(file: string): Promise<void> {
  let handle;
  try {
    handle = await open(file, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  let cut: number | undefined;
  try {
    const { size } = await handle.stat();
    const block = Buffer.alloc(64 * 1024);
    for (let end = size; end > 0 && cut === undefined; ) {
      const start = Math.max(0, end - block.length);
      const { bytesRead } = await handle.read(block, 0, end - start, start);
      const newline = block.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (end === size && newline === bytesRead - 1) return;
      if (newline >= 0) cut = start + newline + 1;
      else if (start === 0) cut = 0;
      end = start;
    }
    if (size === 0) return;
  } finally {
    await handle.close();
  }
  if (cut !== undefined) await truncate(file, cut);
}

/** Appends one record per line; the write is a single call so lines from concurrent workers never interleave. */
export async function appendJsonl(file: string, records: unknown | unknown[]): Promise<void> {
  const list = Array.isArray(records) ? records : [records];
  if (list.length === 0) return;
  await mkdir(dirname(file), { recursive: true });
  const handle = await open(file, "a");
  try {
    await handle.write(list.map((r) => JSON.stringify(r)).join("\n") + "\n");
  } finally {
    await handle.close();
  }
}

export async function writeJsonlAtomic(file: string, records: Iterable<unknown>): Promise<void> {
  let text = "";
  for (const record of records) text += JSON.stringify(record) + "\n";
  await writeFileAtomic(file, text);
}
