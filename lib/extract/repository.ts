/**
 * One repository's history → kept diffs, streamed: the commit list is read
 * lazily, judged in order (message, author, paths, blob sizes), and only the
 * survivors' patches are generated, a chunk at a time, by one git process.
 */
import { InterruptedError } from "../core/errors.js";
import { SKIP_REASON_NAMES, type SkipReason, classifyPath, isBotAuthor, reasonForKinds } from "./filters.js";
import { type ExtractedRecord, judgePatch } from "./records.js";
import type { ChunkEntry, ExtractSettings, SkipStage } from "./settings.js";
import { shallowBoundary } from "./git.js";
import { type CommitEntry, blobSizes, listCommits, streamPatches } from "./history.js";

export interface ExtractTally {
  scanned: number;
  kept: number;
  skipped: Record<SkipReason, number>;
}

interface Hooks {
  write: (record: ExtractedRecord) => Promise<void>;
  onProgress?: (tally: ExtractTally) => void;
  onSkip?: (commit: CommitEntry, reason: SkipReason, stage: SkipStage) => void;
  signal?: AbortSignal;
}

/** A patch held past this many bytes is far beyond any budget or line limit: dropped as too large while it streams. */
const MAX_PATCH_BYTES = 4 * 1024 * 1024;

export const emptyTally = (): ExtractTally => ({
  scanned: 0,
  kept: 0,
  skipped: Object.fromEntries(SKIP_REASON_NAMES.map((r) => [r, 0])) as Record<SkipReason, number>,
});

/**
 * Walks first-parent history from HEAD and writes up to `settings.max`
 * records, newest first. The tally covers exactly the commits looked at,
 * in history order, up to the last one kept. The next chunk is listed and
 * sized while the current chunk's patches stream, so git is never idle.
 */
export async function extractRepository(dir: string, settings: ExtractSettings, hooks: Hooks): Promise<ExtractTally> {
  const tally = emptyTally();
  const chunks = chunksOf(dir, settings, tally, hooks.signal);
  try {
    let next = chunks.next();
    for (;;) {
      const current = await next;
      if (current.done) break;
      next = chunks.next();
      // Handled here so that a failure while prefetching is not reported as unhandled; it surfaces on the await above.
      next.catch(() => {});
      await judgeChunk(dir, current.value, settings, tally, hooks);
      if (tally.kept >= settings.max) break;
    }
  } finally {
    await chunks.return(undefined).catch(() => {});
  }
  return tally;
}

interface Chunk {
  entries: ChunkEntry[];
  /** Sizes of the blobs the candidates touch: the size limit, and the `Bin a -> b bytes` stat lines. */
  sizes: Map<string, number>;
}

/**
 * The listing, judged commit by commit, cut into chunks of about twice the
 * commits still wanted (at least 16): large enough to amortise two git
 * processes per chunk, small enough not to overshoot `max` by much. The first
 * chunks are smaller so that patches start flowing at once.
 */
async function* chunksOf(dir: string, settings: ExtractSettings, tally: ExtractTally, signal?: AbortSignal): AsyncGenerator<Chunk> {
  const boundary = await shallowBoundary(dir);
  // commitlint is heavy: loaded when an extraction runs, not when the runbook starts.
  const conventional = await import("../conventional/parser.js");
  let chunk: Chunk["entries"] = [];
  let candidates = 0;
  let cap = 64;
  for await (const commit of listCommits(dir, signal)) {
    if (signal?.aborted) throw new InterruptedError(String(signal.reason ?? "SIGINT"));
    const reason = await reasonFromListing(commit, settings, boundary, conventional);
    const expectedMessage = settings.role === "benchmark" ? conventional.cleanCommitMessage(commit.message) : undefined;
    chunk.push({ commit, reason, stage: reason && "listing", expectedMessage });
    if (!reason) candidates += 1;
    if (candidates >= Math.min(cap, Math.max(16, 2 * (settings.max - tally.kept)))) {
      yield await markOversized(dir, chunk, settings);
      chunk = [];
      candidates = 0;
      cap = Math.min(cap * 4, 1024);
    }
  }
  if (chunk.length) yield await markOversized(dir, chunk, settings);
}

const GITLINK_MODE = "160000";
const NULL_BLOB = /^0+$/;
const blobsOf = (c: CommitEntry) =>
  c.files.flatMap((f) => [
    ...(f.oldMode !== GITLINK_MODE && !NULL_BLOB.test(f.oldBlob) ? [f.oldBlob] : []),
    ...(f.newMode !== GITLINK_MODE && !NULL_BLOB.test(f.newBlob) ? [f.newBlob] : []),
  ]);

/** Blob sizes for the whole chunk in one `cat-file`: a commit touching a blob over the limit is too large, unread. */
async function markOversized(dir: string, entries: Chunk["entries"], settings: ExtractSettings): Promise<Chunk> {
  const sizes = await blobSizes(dir, entries.filter((e) => !e.reason).flatMap((e) => blobsOf(e.commit)));
  for (const entry of entries) {
    if (!entry.reason && blobsOf(entry.commit).some((b) => (sizes.get(b) ?? 0) > settings.maxBlobBytes)) {
      entry.reason = "too-large";
      entry.stage = "sizes";
    }
  }
  return { entries, sizes };
}

type Conventional = typeof import("../conventional/parser.js");

async function reasonFromListing(
  commit: CommitEntry,
  s: ExtractSettings,
  boundary: Set<string>,
  conventional: Conventional,
): Promise<SkipReason | undefined> {
  if (commit.parents.length > 1) return "merge";
  if (commit.parents.length === 0 || boundary.has(commit.sha)) return "root";
  if (isBotAuthor(commit.authorName, commit.authorEmail)) return "bot";
  if (conventional.isReleaseCommit(commit.message)) return "release";
  if (s.role === "benchmark") {
    const expected = conventional.cleanCommitMessage(commit.message);
    if (!(await conventional.lintCommitMessage(expected, s.types)).valid) return "not-conventional";
    if (conventional.exceedsHeaderLimit(expected)) return "long-header";
  }
  const byPath = reasonForKinds(commit.files.map((f) => classifyPath(f.path)));
  if (byPath) return byPath;
  if (commit.filesIncomplete || commit.files.length > s.maxFiles) return "too-large";
  return undefined;
}

async function judgeChunk(dir: string, chunk: Chunk, settings: ExtractSettings, tally: ExtractTally, hooks: Hooks): Promise<void> {
  const wanted = chunk.entries.filter((e) => !e.reason).map((e) => e.commit.sha);
  const patches = streamPatches(dir, wanted, { maxBytes: MAX_PATCH_BYTES, signal: hooks.signal });
  try {
    for (const entry of chunk.entries) {
      const { commit, reason, stage } = entry;
      if (hooks.signal?.aborted) throw new InterruptedError(String(hooks.signal.reason ?? "SIGINT"));
      if (reason) {
        tally.skipped[reason] += 1;
        hooks.onSkip?.(commit, reason, stage ?? "listing");
      } else {
        const next = await patches.next();
        if (next.done || next.value.sha !== commit.sha) throw new Error(`git diff-tree returned ${next.value?.sha ?? "nothing"} for ${commit.sha}`);
        const decided = next.value.overflowed ? "too-large" : judgePatch(entry, next.value.patch, chunk.sizes, settings);
        if (typeof decided === "string") {
          tally.skipped[decided] += 1;
          hooks.onSkip?.(commit, decided, "patch");
        } else {
          await hooks.write(decided);
          tally.kept += 1;
        }
      }
      tally.scanned += 1;
      hooks.onProgress?.(tally);
      if (tally.kept >= settings.max) break;
    }
  } finally {
    await patches.return(undefined);
  }
}
