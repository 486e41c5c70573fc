/**
 * A commit's diff as git prints it (stat block, blank line, patch), split into
 * files and hunks, and cut to a character budget without breaking a hunk.
 */
import { unquotePath } from "./history.js";

export interface DiffFile {
  /** The file's path after the change (before it, for a deletion). */
  path: string;
  /** The path before a rename or copy. */
  oldPath?: string;
  /** `diff --git …` up to the first hunk: index, mode, rename and `---`/`+++` lines. */
  header: string;
  /** Each hunk from its `@@` line, newline-terminated. */
  hunks: string[];
  binary: boolean;
  /** A submodule pointer (`Subproject commit …`), not file content. */
  submodule: boolean;
  insertions: number;
  deletions: number;
}

export interface ParsedDiff {
  /** Everything before the first `diff --git`: the stat block and its blank line. */
  stat: string;
  files: DiffFile[];
}

const FILE_START = "diff --git ";

export function parseDiff(diff: string): ParsedDiff {
  const lines = diff.split(/(?<=\n)/);
  let stat = "";
  const files: DiffFile[] = [];
  let file: DiffFile | undefined;
  let hunk: string[] | undefined;
  const closeHunk = () => {
    if (file && hunk) file.hunks.push(hunk.join(""));
    hunk = undefined;
  };
  for (const line of lines) {
    if (line.startsWith(FILE_START)) {
      closeHunk();
      file = { path: "", header: line, hunks: [], binary: false, submodule: false, insertions: 0, deletions: 0 };
      files.push(file);
    } else if (!file) {
      stat += line;
    } else if (line.startsWith("@@")) {
      closeHunk();
      hunk = [line];
    } else if (hunk) {
      hunk.push(line);
      if (line.startsWith("+")) file.insertions += 1;
      else if (line.startsWith("-")) file.deletions += 1;
      if (/^[-+ ]Subproject commit [0-9a-f]{7,}/.test(line)) file.submodule = true;
    } else {
      file.header += line;
      if (line.startsWith("Binary files ") || line.startsWith("GIT binary patch")) file.binary = true;
    }
  }
  closeHunk();
  for (const f of files) {
    f.path = pathOfHeader(f.header);
    f.oldPath = headerField(f.header, "rename from ") ?? headerField(f.header, "copy from ");
  }
  return { stat, files };
}

export function renderDiff(parsed: ParsedDiff): string {
  return parsed.stat + parsed.files.map((f) => f.header + f.hunks.join("")).join("");
}

function headerField(header: string, prefix: string): string | undefined {
  const line = header.split("\n").find((l) => l.startsWith(prefix));
  return line === undefined ? undefined : unquotePath(line.slice(prefix.length).replace(/\t$/, ""));
}

function pathOfHeader(header: string): string {
  const lines = header.split("\n");
  const field = (prefix: string) => headerField(header, prefix);
  const plus = field("+++ ");
  if (plus && plus !== "/dev/null") return plus.replace(/^b\//, "");
  const minus = field("--- ");
  if (minus && minus !== "/dev/null") return minus.replace(/^a\//, "");
  const renamed = field("rename to ") ?? field("copy to ");
  if (renamed) return renamed;
  // `diff --git a/P b/P` with the same P on both sides (mode changes, binary files).
  const names = (lines[0] ?? "").slice(FILE_START.length);
  if (names.startsWith('"')) {
    const quoted = /"((?:[^"\\]|\\.)*)"$/.exec(names);
    return quoted ? unquotePath(`"${quoted[1]}"`).replace(/^b\//, "") : names;
  }
  return names.slice(Math.ceil((names.length - 1) / 2) + 1).replace(/^b\//, "");
}

export interface TruncatedDiff {
  diff: string;
  truncated: boolean;
}

/**
 * Cuts a diff to at most `budget` characters. The stat block is always kept
 * (it tells what changed even where the patch is cut), and hunks are kept
 * whole or not at all. The budget is shared max-min fairly: every file may
 * take an equal share, a small file's unused share goes to the larger ones,
 * so one huge file cannot crowd out the others; what whole-hunk rounding
 * leaves over is then handed out one hunk per file in turn.
 */
export function truncateDiffToBudget(diff: string, budget: number): TruncatedDiff {
  if (diff.length <= budget) return { diff, truncated: false };
  return truncateParsedDiff(parseDiff(diff), budget);
}

/** The same, for a diff already parsed (whose rendering is longer than `budget`). */
export function truncateParsedDiff(parsed: ParsedDiff, budget: number): TruncatedDiff {
  if (parsed.stat.length >= budget) return { diff: cutStatBlock(parsed.stat, budget), truncated: true };

  const demands = parsed.files.map((f) => f.header.length + f.hunks.reduce((sum, h) => sum + h.length, 0));
  const allocations = shareFairly(demands, budget - parsed.stat.length);
  const kept = parsed.files.map(() => ({ header: false, hunks: new Set<number>() }));
  let used = 0;
  parsed.files.forEach((file, i) => {
    let room = allocations[i] ?? 0;
    if (file.header.length > room) return;
    kept[i]!.header = true;
    room -= file.header.length;
    used += file.header.length;
    file.hunks.forEach((hunk, j) => {
      if (hunk.length > room) return;
      kept[i]!.hunks.add(j);
      room -= hunk.length;
      used += hunk.length;
    });
  });

  let leftover = budget - parsed.stat.length - used;
  for (let progress = true; progress; ) {
    progress = false;
    parsed.files.forEach((file, i) => {
      const state = kept[i]!;
      const next = file.hunks.findIndex((h, j) => !state.hunks.has(j) && h.length + (state.header ? 0 : file.header.length) <= leftover);
      if (next < 0) return;
      if (!state.header) {
        state.header = true;
        leftover -= file.header.length;
      }
      state.hunks.add(next);
      leftover -= file.hunks[next]!.length;
      progress = true;
    });
  }

  const files = parsed.files
    .map((file, i) => ({ ...file, hunks: file.hunks.filter((_, j) => kept[i]!.hunks.has(j)), keep: kept[i]!.header }))
    .filter((file) => file.keep);
  return { diff: renderDiff({ stat: parsed.stat, files }), truncated: true };
}

/** Max-min fair shares of `total` for the given demands (water-filling). */
export function shareFairly(demands: number[], total: number): number[] {
  const shares = demands.map(() => 0);
  const order = demands.map((d, i) => ({ d, i })).sort((a, b) => a.d - b.d || a.i - b.i);
  let left = total;
  order.forEach(({ d, i }, k) => {
    const share = Math.floor(left / (order.length - k));
    shares[i] = Math.min(d, share);
    left -= shares[i]!;
  });
  return shares;
}

/** A stat block longer than the whole budget: its first lines, then its summary line. */
function cutStatBlock(stat: string, budget: number): string {
  const lines = stat.replace(/\n+$/, "\n").split(/(?<=\n)/);
  const summary = lines.pop() ?? "";
  let out = "";
  for (const line of lines) {
    if (out.length + line.length + summary.length > budget) break;
    out += line;
  }
  return (out + summary).slice(0, budget);
}
