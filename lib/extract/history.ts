/**
 * Reading a repository's history as streams: the commit list with each
 * commit's changed files (`--raw`: paths, modes and blob ids, no content
 * diffed), blob sizes, and the patches of chosen commits. Sizes are known
 * before any patch is generated, so a huge commit is never read at all.
 */
import { randomBytes } from "node:crypto";
import { streamGit } from "./git.js";
import { splitRecords } from "./record-stream.js";

export interface FileChange {
  /** A added, M modified, D deleted, R renamed, C copied, T type changed. */
  status: string;
  path: string;
  oldPath?: string;
  oldMode: string;
  newMode: string;
  oldBlob: string;
  newBlob: string;
}

export interface CommitEntry {
  sha: string;
  parents: string[];
  authorName: string;
  authorEmail: string;
  date: string;
  message: string;
  files: FileChange[];
  /** The file list was longer than we keep in memory; the commit is too large whatever it holds. */
  filesIncomplete: boolean;
}

const FIELD = "\x1f";
/** A record separator no commit message or patch line will contain by chance. */
const newDelimiter = () => Buffer.from(`\x1ejoco-${randomBytes(6).toString("hex")}${FIELD}`);
const MAX_LISTING_RECORD_BYTES = 8 * 1024 * 1024;

/** First-parent history from HEAD, newest first, merges included (the caller counts them). */
export async function* listCommits(dir: string, signal?: AbortSignal): AsyncGenerator<CommitEntry> {
  const delimiter = newDelimiter();
  const format = `${delimiter.toString("latin1")}%H${FIELD}%P${FIELD}%an${FIELD}%ae${FIELD}%aI${FIELD}%B${FIELD}`;
  const git = streamGit(
    ["log", "--first-parent", "--diff-merges=off", "-M", "--raw", "--no-abbrev", `--format=${format}`, "HEAD"],
    { cwd: dir, signal },
  );
  let finished = false;
  try {
    for await (const record of splitRecords(git.stdout, delimiter, MAX_LISTING_RECORD_BYTES)) {
      yield parseListingRecord(record.data.toString("utf8"), record.droppedBytes > 0);
    }
    finished = true;
  } finally {
    if (!finished) git.stop();
    await git.exited;
  }
}

function parseListingRecord(text: string, truncated: boolean): CommitEntry {
  const fields: string[] = [];
  let from = 0;
  for (let i = 0; i < 5; i++) {
    const at = text.indexOf(FIELD, from);
    fields.push(text.slice(from, at));
    from = at + 1;
  }
  const messageEnd = text.lastIndexOf(FIELD);
  const [sha = "", parents = "", authorName = "", authorEmail = "", date = ""] = fields;
  const files: FileChange[] = [];
  for (const line of text.slice(messageEnd + 1).split("\n")) {
    const change = line.startsWith(":") ? parseRawLine(line) : undefined;
    if (change) files.push(change);
  }
  return {
    sha,
    parents: parents.split(" ").filter(Boolean),
    authorName,
    authorEmail,
    date,
    message: text.slice(from, messageEnd).trim(),
    files,
    filesIncomplete: truncated,
  };
}

/** `:100644 100644 <old> <new> M\tpath` or `… R087\told\tnew`. */
function parseRawLine(line: string): FileChange | undefined {
  const [meta = "", ...paths] = line.split("\t");
  const [oldMode = "", newMode = "", oldBlob = "", newBlob = "", status = ""] = meta.slice(1).split(" ");
  const names = paths.map(unquotePath);
  const path = names[names.length - 1];
  if (!path) return undefined;
  return { status: status.charAt(0), path, oldPath: names.length > 1 ? names[0] : undefined, oldMode, newMode, oldBlob, newBlob };
}

const ESCAPES: Record<string, string> = { a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", '"': '"', "\\": "\\" };

/** git C-quotes a path holding control characters, quotes or backslashes: "a\tb" → a<TAB>b. */
export function unquotePath(path: string): string {
  if (!(path.startsWith('"') && path.endsWith('"') && path.length >= 2)) return path;
  const bytes: number[] = [];
  const body = path.slice(1, -1);
  for (let i = 0; i < body.length; i++) {
    const char = body.charAt(i);
    if (char !== "\\") {
      bytes.push(...Buffer.from(char, "utf8"));
      continue;
    }
    const next = body.charAt(i + 1);
    const octal = /^[0-7]{3}/.exec(body.slice(i + 1, i + 4));
    if (octal) {
      bytes.push(parseInt(octal[0], 8));
      i += 3;
    } else {
      bytes.push(...Buffer.from(ESCAPES[next] ?? next, "utf8"));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

/** Sizes in bytes of the given blobs, in one `git cat-file --batch-check`; missing objects are left out. */
export async function blobSizes(dir: string, blobs: Iterable<string>): Promise<Map<string, number>> {
  const ids = [...new Set(blobs)];
  const sizes = new Map<string, number>();
  if (ids.length === 0) return sizes;
  const git = streamGit(["cat-file", "--batch-check=%(objectname) %(objecttype) %(objectsize)"], { cwd: dir, input: ids.join("\n") + "\n" });
  let text = "";
  for await (const chunk of git.stdout as AsyncIterable<Buffer>) text += chunk.toString("latin1");
  await git.exited;
  for (const line of text.split("\n")) {
    const [id, type, size] = line.split(" ");
    if (id && type === "blob" && size) sizes.set(id, Number(size));
  }
  return sizes;
}

export interface CommitPatch {
  sha: string;
  /** The patch alone, from the first `diff --git` (no stat block: see lib/extract/diff-stat.ts). */
  patch: string;
  /** Bytes beyond `maxBytes` were read past without being kept. */
  overflowed: boolean;
}

/**
 * The diffs of the given commits (each against its first parent), in the
 * order given, from one `git diff-tree --stdin`. Each is held only up to
 * `maxBytes`; the rest of an oversized one streams past.
 */
export async function* streamPatches(
  dir: string,
  shas: string[],
  options: { maxBytes: number; signal?: AbortSignal },
): AsyncGenerator<CommitPatch> {
  if (shas.length === 0) return;
  const delimiter = newDelimiter();
  const format = `--format=${delimiter.toString("latin1")}%H`;
  const args = ["diff-tree", "--stdin", "--always", "-r", "-M", "--no-color", "--no-ext-diff", "--patch", format];
  const git = streamGit(args, { cwd: dir, input: shas.join("\n") + "\n", signal: options.signal });
  let finished = false;
  try {
    for await (const record of splitRecords(git.stdout, delimiter, options.maxBytes)) {
      const text = record.data.toString("utf8");
      const firstBreak = text.indexOf("\n");
      const sha = text.slice(0, firstBreak < 0 ? undefined : firstBreak);
      // diff-tree puts a blank line between the formatted header and the patch.
      const patch = firstBreak < 0 ? "" : text.slice(firstBreak + 1).replace(/^\n/, "");
      yield { sha, patch, overflowed: record.droppedBytes > 0 };
    }
    finished = true;
  } finally {
    if (!finished) git.stop();
    await git.exited;
  }
}
