/**
 * One commit's patch → a raw diff or a benchmark case (or the reason it is
 * skipped): the content filters, the stat block, the budget, the record.
 */
import { type ParsedDiff, parseDiff, truncateParsedDiff } from "./diff.js";
import { type StatEntry, renderStatBlock } from "./diff-stat.js";
import { type SkipReason, classifyDiffFile, findSecret, isVersionBumpOnly, reasonForKinds } from "./filters.js";
import type { ChunkEntry, ExtractSettings } from "./settings.js";
import type { CommitEntry } from "./history.js";
import type { Case, DiffStats, RawDiff } from "../core/records.js";

export type ExtractedRecord = RawDiff | Case;

/**
 * What a commit's patch makes of it: a skip reason the patch shows (too many
 * changed lines, nothing but generated or binary content, a version bump, a
 * credential), or the record, its diff cut to the budget.
 */
export function judgePatch(
  { commit, expectedMessage }: Pick<ChunkEntry, "commit" | "expectedMessage">,
  patch: string,
  sizes: Map<string, number>,
  s: ExtractSettings,
): SkipReason | ExtractedRecord {
  const parsed = parseDiff(patch);
  const stats = statsOf(parsed);
  if (stats.insertions + stats.deletions > s.maxChangedLines) return "too-large";
  const byContent = reasonForKinds(parsed.files.map(classifyDiffFile));
  if (byContent) return byContent;
  if (isVersionBumpOnly(parsed.files)) return "release";
  if (findSecret(patch)) return "secret";
  // The diff as `git show --stat=200 --patch --format=` prints it: stat block, blank line, patch.
  const statBlock = renderStatBlock(statEntries(commit, parsed, sizes));
  parsed.stat = statBlock ? `${statBlock}\n` : "";
  const length = parsed.stat.length + patch.length;
  const cut = length <= s.diffBudgetChars ? { diff: parsed.stat + patch, truncated: false } : truncateParsedDiff(parsed, s.diffBudgetChars);
  return s.role === "benchmark"
    ? toCase(commit, expectedMessage ?? commit.message, cut.diff, cut.truncated, stats, s)
    : toRawDiff(commit, cut.diff, cut.truncated, stats, s);
}

/** A binary file's stat line shows its blob sizes, which the listing and `cat-file` already gave us. */
function statEntries(commit: CommitEntry, parsed: ParsedDiff, sizes: Map<string, number>): StatEntry[] {
  return parsed.files.map((f) => {
    if (!f.binary) return { name: f.path, oldName: f.oldPath, added: f.insertions, deleted: f.deletions, binary: false };
    const change = commit.files.find((c) => c.path === f.path);
    const size = (blob: string | undefined) => (blob && sizes.get(blob)) || 0;
    return { name: f.path, oldName: f.oldPath, added: size(change?.newBlob), deleted: size(change?.oldBlob), binary: true };
  });
}

function statsOf(parsed: ParsedDiff): DiffStats {
  return {
    files: parsed.files.length,
    insertions: parsed.files.reduce((sum, f) => sum + f.insertions, 0),
    deletions: parsed.files.reduce((sum, f) => sum + f.deletions, 0),
  };
}

/** `react-1a2b3c4d5e6f`: stable across runs and machines, readable in a log. */
export const recordId = (name: string, sha: string) => `${name}-${sha.slice(0, 12)}`;

function toRawDiff(commit: CommitEntry, diff: string, truncated: boolean, stats: DiffStats, s: ExtractSettings): RawDiff {
  return {
    id: recordId(s.name, commit.sha),
    repository: s.repository,
    commitHash: commit.sha,
    date: commit.date,
    diff,
    originalMessage: commit.message,
    stats,
    truncated,
  };
}

function toCase(commit: CommitEntry, expectedMessage: string, diff: string, truncated: boolean, stats: DiffStats, s: ExtractSettings): Case {
  return {
    id: recordId(s.name, commit.sha),
    diff,
    expectedMessage,
    repository: s.repository,
    commitHash: commit.sha,
    metadata: { date: commit.date, filesChanged: stats.files, insertions: stats.insertions, deletions: stats.deletions, truncated },
  };
}
