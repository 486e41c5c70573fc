import { createHash } from "node:crypto";
import { copyFile, readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { CheckpointsError } from "./errors.js";
import { pathExists, writeFileAtomic } from "./files.js";
import { OutRecordSchema } from "./outs.js";

export const CHECKPOINTS_FILE = "checkpoints.json";

export const CellStatusSchema = z.enum(["pending", "running", "done", "failed", "interrupted"]);

/** What a cell's fingerprint was computed from, kept so that `status` can say which input changed. */
const CellInputsSchema = z.strictObject({
  version: z.number(),
  reads: z.unknown(),
  upstream: z.record(z.string(), z.string()),
  /** Content digests of the upstream cells' recorded outputs: a re-run upstream that wrote other content re-runs this one. */
  upstreamOuts: z.record(z.string(), z.string()).optional(),
});

export const CellRecordSchema = z.strictObject({
  status: CellStatusSchema,
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  durationMs: z.number().optional(),
  pid: z.number().optional(),
  fingerprint: z.string().optional(),
  inputs: CellInputsSchema.optional(),
  outputs: z.unknown().optional(),
  /** The files the cell wrote, as they were when it finished (outs.ts). */
  outs: z.array(OutRecordSchema).optional(),
  summary: z.string().optional(),
  error: z.string().optional(),
  hint: z.string().optional(),
  state: z.record(z.string(), z.unknown()).optional(),
});

export const CheckpointsSchema = z.strictObject({
  version: z.literal(1),
  cells: z.record(z.string(), CellRecordSchema),
});

export type CellStatus = z.infer<typeof CellStatusSchema>;
export type CellInputs = z.infer<typeof CellInputsSchema>;
export type CellRecord = z.infer<typeof CellRecordSchema>;
export type Checkpoints = z.infer<typeof CheckpointsSchema>;

export function emptyCheckpoints(): Checkpoints {
  return { version: 1, cells: {} };
}

/**
 * Reads checkpoints.json. A file that is not valid JSON or not the expected
 * shape is never reset: a copy is kept beside it and the error names the file
 * and the problem, so the user decides.
 */
export async function readCheckpoints(root: string): Promise<Checkpoints> {
  const file = join(root, CHECKPOINTS_FILE);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return emptyCheckpoints();
    throw error;
  }
  let problem: string;
  try {
    const parsed = CheckpointsSchema.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data;
    problem = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
  } catch (error) {
    problem = `not valid JSON (${(error as Error).message})`;
  }
  const backup = await backUpCorruptFile(file, text);
  throw new CheckpointsError(
    `${file} is corrupt: ${problem}. Nothing was changed; a copy is kept at ${backup}.`,
    `Fix ${CHECKPOINTS_FILE} by hand, or move it away to start over (every cell becomes pending).`,
  );
}

async function backUpCorruptFile(file: string, text: string): Promise<string> {
  const backup = `${file}.corrupt-${createHash("sha256").update(text).digest("hex").slice(0, 8)}`;
  if (!(await pathExists(backup))) await copyFile(file, backup);
  return backup;
}

export async function writeCheckpoints(root: string, checkpoints: Checkpoints): Promise<void> {
  await writeFileAtomic(join(root, CHECKPOINTS_FILE), JSON.stringify(checkpoints, null, 2) + "\n");
}

/** Read-modify-write of one cell's record; only the lock holder calls it. */
export async function updateCellRecord(
  root: string,
  cellId: string,
  update: (previous: CellRecord | undefined) => CellRecord,
): Promise<CellRecord> {
  const checkpoints = await readCheckpoints(root);
  const record = update(checkpoints.cells[cellId]);
  checkpoints.cells[cellId] = record;
  await writeCheckpoints(root, checkpoints);
  return record;
}

/** Key order must not change a hash: objects are serialised with sorted keys. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export function fingerprintOf(inputs: CellInputs): string {
  return `sha256:${createHash("sha256").update(stableStringify(inputs)).digest("hex").slice(0, 16)}`;
}

/** Key paths whose values differ between two JSON values, for "stale because training.lora.r changed 16 → 32". */
export function changedPaths(before: unknown, after: unknown, prefix = ""): string[] {
  const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);
  if (Array.isArray(before) && Array.isArray(after) && (before.every(isNamed) && after.every(isNamed))) {
    // Lists of named things (repositories) compare by name: "repos.three unset → …", not the whole list.
    return changedPaths(byName(before), byName(after), prefix);
  }
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => changedPaths(before[key], after[key], prefix ? `${prefix}.${key}` : key));
  }
  if (stableStringify(before) === stableStringify(after)) return [];
  return [`${prefix || "(all)"} ${short(before)} → ${short(after)}`];
}

const isNamed = (v: unknown): v is { name: string } =>
  !!v && typeof v === "object" && typeof (v as { name?: unknown }).name === "string";

function byName(list: { name: string }[]): Record<string, unknown> {
  return Object.fromEntries(list.map((item) => [item.name, item]));
}

function short(value: unknown): string {
  const text = value === undefined ? "unset" : stableStringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}…` : text;
}
