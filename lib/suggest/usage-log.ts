/**
 * The usage log: one JSONL line per suggestion, in the repository's git dir
 * (never committed, never pushed), completed with the message actually
 * committed by the post-commit step. The edit between the two is the measure
 * closest to real quality. No diff text is kept unless `hook.logDiffs`.
 */
import { writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { z } from "zod";
import { appendJsonl, readJsonlIfExists, repairJsonlTail, writeJsonlAtomic } from "../core/jsonl.js";
import { gitDir } from "./git.js";

export const USAGE_LOG_FILE = "joco-usage.jsonl";
/**
 * Beside the log while a suggestion waits for its commit: the post-commit
 * hook starts node only when it is there, so a commit pays for that once per
 * suggestion, not forever after one that was abandoned.
 */
export const PENDING_FILE = "joco-usage.pending";
export const pendingMarkerOf = (logFile: string) => join(dirname(logFile), PENDING_FILE);

export const UsageEntrySchema = z.object({
  /** When the suggestion was made (ISO 8601). */
  time: z.string(),
  /** sha256 of the staged patch (lib/suggest/staged.ts): the commit made from it has the same. */
  diffHash: z.string(),
  model: z.string(),
  mode: z.enum(["free", "structured"]),
  suggestion: z.string(),
  /** The message committed for this diff; null until (unless) a commit of it is made. */
  committed: z.string().nullable(),
  latencyMs: z.number().nullable(),
  /** Only with hook.logDiffs: the diff the model saw (truncated). */
  diff: z.string().optional(),
  /** The commit's id, set with `committed`. */
  commit: z.string().optional(),
});

export type UsageEntry = z.infer<typeof UsageEntrySchema>;

export async function usageLogOf(repo: string): Promise<string> {
  return join(await gitDir(repo), USAGE_LOG_FILE);
}

export async function readUsageLog(file: string): Promise<UsageEntry[]> {
  return readJsonlIfExists(file, UsageEntrySchema);
}

export async function appendSuggestion(file: string, entry: Omit<UsageEntry, "committed" | "commit">): Promise<void> {
  await repairJsonlTail(file);
  await appendJsonl(file, UsageEntrySchema.parse({ ...entry, committed: null }));
  await writeFile(pendingMarkerOf(file), `${entry.diffHash}\n`);
}

/**
 * Sets the committed message on the latest open suggestion for `diffHash`
 * (the log is small: one line per commit, rewritten atomically). Returns
 * false when no suggestion was made for it: `git commit -m`, or a diff that
 * changed after the suggestion.
 */
export async function recordCommit(file: string, commit: { diffHash: string; message: string; sha: string }): Promise<boolean> {
  const entries = await readUsageLog(file);
  const index = entries.findLastIndex((e) => e.diffHash === commit.diffHash && e.committed === null);
  if (index < 0) return false;
  entries[index] = { ...entries[index]!, committed: commit.message, commit: commit.sha };
  await writeJsonlAtomic(file, entries);
  return true;
}
