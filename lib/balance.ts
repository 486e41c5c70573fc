/**
 * Balancing: caps per group (type, repository) and stratified down-sampling,
 * seeded and deterministic. What a cap removes is returned, so it can be reported.
 */
import { allocateProportionally, groupBy, seedFor, seededShuffle } from "./split.js";

export interface Selection<T> {
  kept: T[];
  removed: T[];
}

interface SpreadOptions<T> {
  idOf: (item: T) => string;
  /** The other dimension kept diverse while choosing: capping a type spreads over repositories, and the reverse. */
  spreadOf: (item: T) => string;
  seed: number;
}

/**
 * Chooses `count` items spread as evenly as possible over `spreadOf`: each
 * sub-group is shuffled with the seed, then they are drawn round-robin, so a
 * small sub-group keeps everything and a large one gives up the most.
 */
export function pickSpread<T>(items: readonly T[], count: number, options: SpreadOptions<T>): Selection<T> {
  const queues = [...groupBy(items, options.spreadOf)].map(([key, group]) => seededShuffle(group, options.idOf, seedFor(options.seed, key)));
  const kept: T[] = [];
  while (kept.length < count && queues.some((q) => q.length > 0)) {
    for (const queue of queues) {
      const next = queue.shift();
      if (next !== undefined && kept.length < count) kept.push(next);
    }
  }
  const chosen = new Set(kept);
  return { kept: items.filter((item) => chosen.has(item)), removed: items.filter((item) => !chosen.has(item)) };
}

/** At most `cap` items per group; a group over the cap keeps a spread of `spreadOf`. */
export function capPerGroup<T>(items: readonly T[], groupOf: (item: T) => string, cap: number, options: SpreadOptions<T>): Selection<T> {
  const removed = new Set<T>();
  for (const [key, group] of groupBy(items, groupOf)) {
    if (group.length <= cap) continue;
    for (const item of pickSpread(group, cap, { ...options, seed: seedFor(options.seed, key) }).removed) removed.add(item);
  }
  return { kept: items.filter((item) => !removed.has(item)), removed: items.filter((item) => removed.has(item)) };
}

/** Down to `total` items, each stratum keeping its proportional share (largest remainder), spread within it. */
export function sampleStratified<T>(items: readonly T[], total: number, stratumOf: (item: T) => string, options: SpreadOptions<T>): Selection<T> {
  if (items.length <= total) return { kept: [...items], removed: [] };
  const strata = groupBy(items, stratumOf);
  const quota = allocateProportionally(new Map([...strata].map(([key, group]) => [key, group.length])), total);
  const chosen = new Set<T>();
  for (const [key, group] of strata) {
    for (const item of pickSpread(group, quota.get(key) ?? 0, { ...options, seed: seedFor(options.seed, key) }).kept) chosen.add(item);
  }
  return { kept: items.filter((item) => chosen.has(item)), removed: items.filter((item) => !chosen.has(item)) };
}
