/**
 * The staged diff in the training format: the stat block as 02-extract
 * renders it, a blank line, the patch, cut to the same budget by the same
 * function 04 and 08 use. A model sees at commit time what it saw in training.
 */
import { createHash } from "node:crypto";
import { blobSizes } from "../extract/history.js";
import { type StatEntry, renderStatBlock } from "../extract/diff-stat.js";
import { type DiffFile, parseDiff, truncateDiffToBudget } from "../extract/diff.js";
import { fitDiffToTokens } from "../curate/tokens.js";
import { commitPatch, stagedBlobs, stagedPatch } from "./git.js";

export interface StagedDiff {
  /** Stat block + patch, truncated to the budget. */
  diff: string;
  truncated: boolean;
  /** sha256 of the whole patch: post-commit finds the suggestion of a commit by it. */
  diffHash: string;
  files: number;
}

/** Hashes a patch, never its text, into the usage log: the commit made later has the same patch. */
export const hashPatch = (patch: string) => createHash("sha256").update(patch).digest("hex").slice(0, 32);

/** null when nothing is staged. */
/** Cut as training diffs are: 02's character budget, then (given) 04's token budget. */
export async function stagedDiff(repo: string, budgetChars: number, budgetTokens?: number): Promise<StagedDiff | null> {
  const { patch, base } = await stagedPatch(repo);
  if (patch === "") return null;
  const parsed = parseDiff(patch);
  const statBlock = renderStatBlock(await statEntries(repo, base, parsed.files));
  const extracted = truncateDiffToBudget(`${statBlock ? `${statBlock}\n` : ""}${patch}`, budgetChars);
  const fitted = budgetTokens === undefined ? { diff: extracted.diff, truncated: false } : fitDiffToTokens(extracted.diff, budgetTokens);
  return { diff: fitted.diff, truncated: extracted.truncated || fitted.truncated, diffHash: hashPatch(patch), files: parsed.files.length };
}

/** The hash of the commit's patch: equal to the suggestion's diffHash when the commit holds what was staged. */
export async function commitDiffHash(repo: string, rev = "HEAD"): Promise<string> {
  return hashPatch(await commitPatch(repo, rev));
}

/** Line counts come from the patch; a binary file's stat line shows its blob sizes (as in lib/extract/records.ts). */
async function statEntries(repo: string, base: string, files: DiffFile[]): Promise<StatEntry[]> {
  const binaries = files.filter((f) => f.binary);
  const blobs = binaries.length ? await stagedBlobs(repo, base) : new Map<string, { oldBlob: string; newBlob: string }>();
  const sizes = await blobSizes(repo, [...blobs.values()].flatMap((b) => [b.oldBlob, b.newBlob]));
  const size = (blob: string | undefined) => (blob && sizes.get(blob)) || 0;
  return files.map((f) => {
    if (!f.binary) return { name: f.path, oldName: f.oldPath, added: f.insertions, deleted: f.deletions, binary: false };
    const change = blobs.get(f.path);
    return { name: f.path, oldName: f.oldPath, added: size(change?.newBlob), deleted: size(change?.oldBlob), binary: true };
  });
}
