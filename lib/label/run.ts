/**
 * Labeling a whole dataset: which diffs still need a label, labeling them a
 * few at a time, and the tally of what happened to each. Every finished label
 * goes to the cache at once; the labeled files are rebuilt from raw + cache.
 */
import { join } from "node:path";
import pLimit from "p-limit";
import { RunbookError } from "../core/errors.js";
import { type RunStop, addUsage } from "./anthropic.js";
import { readJsonl, writeJsonlAtomic } from "../core/jsonl.js";
import { type LabelCache, labelCacheKey } from "./cache.js";
import type { LabelOutcome, Labeler } from "./labelers/types.js";
import { type Labeled, type RawDiff, RawDiffSchema, type Usage } from "../core/records.js";

export interface ItemFailure {
  id: string;
  repository: string;
  error: string;
}

/** What happened in this run; labels reused from the cache are counted by the summary, not here. */
export interface LabelTally {
  labeled: number;
  /** Reason → count. */
  skipped: Record<string, number>;
  failed: ItemFailure[];
  /** Tokens and dollars spent in this run, failed attempts included. */
  spent: Usage | null;
}

export const emptyTally = (): LabelTally => ({ labeled: 0, skipped: {}, failed: [], spent: null });

/** One raw file: `<raw dir>/<name>.jsonl`, labeled into `<labeled dir>/<name>.jsonl`. */
export interface RawSource {
  name: string;
  items: RawDiff[];
}

export async function readRawSources(dir: string, names: string[]): Promise<RawSource[]> {
  const sources: RawSource[] = [];
  for (const name of names) sources.push({ name, items: await readJsonl(join(dir, `${name}.jsonl`), RawDiffSchema) });
  return sources;
}

/** Diffs with no cached label from this labeler: what a run has left to do. A diff met twice is asked for once. */
export function pendingItems(items: RawDiff[], labeler: Labeler, cache: LabelCache): RawDiff[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const key = labelCacheKey(item, labeler);
    if (cache.get(key) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Puts a labeled outcome into the cache and counts every outcome into the tally. */
export async function recordOutcome(tally: LabelTally, item: RawDiff, outcome: LabelOutcome, labeler: Labeler, cache: LabelCache): Promise<void> {
  switch (outcome.status) {
    case "skipped":
      tally.skipped[outcome.reason] = (tally.skipped[outcome.reason] ?? 0) + 1;
      return;
    case "failed":
      tally.spent = addUsage(tally.spent, outcome.usage);
      tally.failed.push({ id: item.id, repository: item.repository, error: outcome.error });
      return;
    case "labeled":
      tally.spent = addUsage(tally.spent, outcome.usage);
      await cache.put({
        key: labelCacheKey(item, labeler),
        id: item.id,
        message: outcome.message,
        label: outcome.label,
        labeler: { backend: labeler.backend, model: labeler.model },
        usage: outcome.usage,
        labeledAt: new Date().toISOString(),
      });
      tally.labeled += 1;
  }
}

export interface LabelConcurrentlyOptions {
  labeler: Labeler;
  cache: LabelCache;
  /** Requests in flight at once; retries wait inside their slot, so never more reach the server. */
  concurrency: number;
  signal: AbortSignal;
  onProgress?: (done: number, tally: LabelTally) => void;
}

/**
 * Labels the given diffs a few at a time. On Ctrl-C no new diff starts; the
 * ones in flight are dropped. An answer that no other diff can escape (a
 * refused key, an unreachable API) stops the run the same way, after the
 * first such answer, and is thrown once as a RunbookError.
 */
export async function labelConcurrently(items: RawDiff[], options: LabelConcurrentlyOptions): Promise<LabelTally> {
  const { labeler, cache, signal } = options;
  const limit = pLimit(options.concurrency);
  const tally = emptyTally();
  const stopping = new AbortController();
  const onAbort = () => stopping.abort(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  let stop: RunStop | undefined;
  let done = 0;
  const labelOne = async (item: RawDiff) => {
    if (stopping.signal.aborted) return;
    let outcome: LabelOutcome;
    try {
      outcome = await labeler.label(item, stopping.signal);
    } catch (error) {
      if (stopping.signal.aborted) return;
      outcome = { status: "failed", error: (error as Error).message, usage: null };
    }
    if (outcome.status === "failed" && outcome.stop) {
      stop ??= outcome.stop;
      stopping.abort("stop");
      return;
    }
    await recordOutcome(tally, item, outcome, labeler, cache);
    done += 1;
    options.onProgress?.(done, tally);
  };
  try {
    await Promise.all(items.map((item) => limit(labelOne, item)));
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
  if (stop && !signal.aborted) throw new RunbookError(stop.message, stop.hint);
  return tally;
}

/** Raw diff + cached label for every labeled diff, in raw order. */
function labeledRecords(items: RawDiff[], labeler: Labeler, cache: LabelCache): Labeled[] {
  return items.flatMap((item) => {
    const entry = cache.get(labelCacheKey(item, labeler));
    return entry ? [{ ...item, message: entry.message, label: entry.label, labeler: entry.labeler, usage: entry.usage }] : [];
  });
}

/** Rewrites `<dir>/<name>.jsonl` for every source from raw + cache, atomically; returns every record written. */
export async function writeLabeledFiles(dir: string, sources: RawSource[], labeler: Labeler, cache: LabelCache): Promise<Labeled[]> {
  const all: Labeled[] = [];
  for (const source of sources) {
    const records = labeledRecords(source.items, labeler, cache);
    await writeJsonlAtomic(join(dir, `${source.name}.jsonl`), records);
    all.push(...records);
  }
  return all;
}
