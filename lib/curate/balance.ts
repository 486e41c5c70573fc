/**
 * Balancing: caps per group (type, repository) and stratified down-sampling,
 * seeded and deterministic. Each step keeps the mix of the other dimension as
 * it was (a repository cap does not quietly rebalance types), so every row of
 * the report shows one effect. What a step removes is returned for the report.
 */
import { allocateProportionally, groupBy, seedFor, seededShuffle } from "./split.js";

export interface Selection<T> {
  kept: T[];
  removed: T[];
}

type KeyOf<T> = (item: T) => string;

/**
 * `total` items: shared over the first key's groups in proportion to their size
 * (largest remainder), then within each group over the next key, and so on;
 * the last level takes the head of a seeded shuffle.
 */
function chooseProportionally<T>(items: readonly T[], total: number, keys: KeyOf<T>[], idOf: KeyOf<T>, seed: number): T[] {
  const [key, ...rest] = keys;
  if (!key) return seededShuffle(items, idOf, seed).slice(0, total);
  const groups = groupBy(items, key);
  const quota = allocateProportionally(new Map([...groups].map(([name, group]) => [name, group.length])), total);
  return [...groups].flatMap(([name, group]) => chooseProportionally(group, quota.get(name) ?? 0, rest, idOf, seedFor(seed, name)));
}

function selection<T>(items: readonly T[], chosen: Iterable<T>): Selection<T> {
  const set = new Set(chosen);
  return { kept: items.filter((item) => set.has(item)), removed: items.filter((item) => !set.has(item)) };
}

/** Down to `total` items, stratified by `keys` in order (type, then repository within a type). */
export function sampleStratified<T>(items: readonly T[], total: number, keys: KeyOf<T>[], options: { idOf: KeyOf<T>; seed: number }): Selection<T> {
  if (items.length <= total) return { kept: [...items], removed: [] };
  return selection(items, chooseProportionally(items, total, keys, options.idOf, options.seed));
}

/** At most `cap` items per group; a group over the cap is sampled down stratified by `spreadOf`. */
export function capPerGroup<T>(
  items: readonly T[],
  groupOf: KeyOf<T>,
  cap: number,
  options: { idOf: KeyOf<T>; spreadOf: KeyOf<T>; seed: number },
): Selection<T> {
  const kept = [...groupBy(items, groupOf)].flatMap(([name, group]) =>
    group.length <= cap ? group : chooseProportionally(group, cap, [options.spreadOf], options.idOf, seedFor(options.seed, name)),
  );
  return selection(items, kept);
}
