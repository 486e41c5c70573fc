import { createReadStream } from "node:fs";
import { open, truncate } from "node:fs/promises";
import { createInterface } from "node:readline";
import type { z } from "zod";
import { RunbookError } from "./errors.js";
import { appendWhole, writeFileAtomic } from "./files.js";

/**
 * JSONL is how long cells stay resumable: one finished item per line, appended
 * as it completes. A crash can tear only the last line (no trailing newline);
 * that line is dropped on read. A bad line anywhere else is corruption: every
 * one is found in one pass and reported together (the first 20 with file,
 * line and key), so a hand-edited file is fixed in one go, not line by line.
 */
export class JsonlError extends RunbookError {}

export interface JsonlProblem {
  file: string;
  line: number;
  /** `file:line: key: what is wrong` (or `file:line: not valid JSON (…)`). */
  text: string;
}

export interface ReadJsonlOptions {
  /** Called for each bad line, which is then skipped; without it, bad lines fail the read once the file is through. */
  onBadLine?: (problem: JsonlProblem) => void;
}

const REPORTED_PROBLEMS = 20;

type Parsed<T> = { ok: true; value: T } | { ok: false; problem: JsonlProblem };

function parseLine<T>(file: string, line: number, text: string, schema?: z.ZodType<T>): Parsed<T> {
  const problem = (what: string): Parsed<T> => ({ ok: false, problem: { file, line, text: `${file}:${line}: ${what}` } });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return problem(`not valid JSON (${(error as Error).message})`);
  }
  if (!schema) return { ok: true, value: value as T };
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  return problem(parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; "));
}

function badLinesError(file: string, problems: JsonlProblem[]): JsonlError {
  const shown = problems.slice(0, REPORTED_PROBLEMS).map((p) => p.text);
  const more = problems.length > REPORTED_PROBLEMS ? [`… and ${problems.length - REPORTED_PROBLEMS} more`] : [];
  const message = problems.length === 1 ? shown[0]! : [`${problems.length} bad lines in ${file}:`, ...shown.map((t) => `  ${t}`), ...more].join("\n");
  return new JsonlError(message, `Fix or delete ${problems.length === 1 ? "that line" : "those lines"}; every other line is kept.`);
}

/** Streams records with bounded memory; the torn last line of a crashed writer is skipped. */
export async function* streamJsonl<T = unknown>(file: string, schema?: z.ZodType<T>, options: ReadJsonlOptions = {}): AsyncGenerator<T> {
  const lines = createInterface({ input: createReadStream(file, { encoding: "utf8" }), crlfDelay: Infinity });
  const problems: JsonlProblem[] = [];
  const accept = (parsed: Parsed<T>): parsed is { ok: true; value: T } => {
    if (parsed.ok) return true;
    if (options.onBadLine) options.onBadLine(parsed.problem);
    else problems.push(parsed.problem);
    return false;
  };
  let pending: { text: string; lineNo: number } | undefined;
  let lineNo = 0;
  try {
    for await (const text of lines) {
      lineNo += 1;
      if (pending) {
        const parsed = parseLine(file, pending.lineNo, pending.text, schema);
        if (accept(parsed)) yield parsed.value;
      }
      pending = text.trim() === "" ? undefined : { text, lineNo };
    }
    if (pending) {
      const parsed = parseLine(file, pending.lineNo, pending.text, schema);
      // A torn last line (no newline after it): the writer died mid-append. Dropped, never fatal.
      if (parsed.ok) yield parsed.value;
      else if (await endsWithNewline(file)) accept(parsed);
    }
  } finally {
    // Also when the reader stops early (it wanted the first N): the bad lines it passed are still reported.
    if (problems.length) throw badLinesError(file, problems);
  }
}

export async function readJsonl<T = unknown>(file: string, schema?: z.ZodType<T>, options?: ReadJsonlOptions): Promise<T[]> {
  const out: T[] = [];
  for await (const record of streamJsonl(file, schema, options)) out.push(record);
  return out;
}

/** Like readJsonl, but a missing file is an empty list (a cell that has not started). */
export async function readJsonlIfExists<T = unknown>(file: string, schema?: z.ZodType<T>, options?: ReadJsonlOptions): Promise<T[]> {
  try {
    return await readJsonl(file, schema, options);
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

/** Appends one record per line, all of them or none (appendWhole): concurrent workers' lines never interleave or tear. */
export async function appendJsonl(file: string, records: unknown | unknown[]): Promise<void> {
  const list = Array.isArray(records) ? records : [records];
  if (list.length === 0) return;
  await appendWhole(file, list.map((r) => JSON.stringify(r)).join("\n") + "\n");
}

export async function writeJsonlAtomic(file: string, records: Iterable<unknown>): Promise<void> {
  let text = "";
  for (const record of records) text += JSON.stringify(record) + "\n";
  await writeFileAtomic(file, text);
}
