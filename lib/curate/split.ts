/**
 * Seeded, deterministic sampling: the same seed and the same examples give the
 * same split on every machine and every run, whatever order the examples came in.
 */

/** mulberry32: a tiny 32-bit PRNG, plenty for shuffling a few thousand examples. */
export function createRng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seed per stratum, so that adding examples of one type leaves every other type's draw unchanged. */
export function seedFor(seed: number, stratum: string): number {
  let hash = seed >>> 0;
  for (let i = 0; i < stratum.length; i += 1) hash = Math.imul(hash ^ stratum.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}

/** Fisher–Yates over a copy sorted by id first, so the input order never matters. */
export function seededShuffle<T>(items: readonly T[], idOf: (item: T) => string, seed: number): T[] {
  const out = [...items].sort((a, b) => compare(idOf(a), idOf(b)));
  const random = createRng(seed);
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return new Map([...groups.entries()].sort(([a], [b]) => compare(a, b)));
}

/**
 * Splits `total` across groups in proportion to their sizes (largest remainder,
 * ties to the larger group, then by name), never giving a group more than it has.
 */
export function allocateProportionally(sizes: Map<string, number>, total: number): Map<string, number> {
  const sum = [...sizes.values()].reduce((a, b) => a + b, 0);
  const want = Math.min(total, sum);
  const shares = [...sizes.entries()].map(([key, size]) => {
    const exact = sum === 0 ? 0 : (size * want) / sum;
    return { key, size, count: Math.floor(exact), remainder: exact - Math.floor(exact) };
  });
  let left = want - shares.reduce((n, s) => n + s.count, 0);
  const order = [...shares].sort((a, b) => b.remainder - a.remainder || b.size - a.size || compare(a.key, b.key));
  for (const share of order) {
    if (left === 0) break;
    if (share.count < share.size) {
      share.count += 1;
      left -= 1;
    }
  }
  return new Map(shares.map((s) => [s.key, s.count]));
}

export interface Split<T> {
  train: T[];
  validation: T[];
}

/**
 * Train / validation, stratified: each type gives its proportional share of
 * round(n × fraction) validation examples; a type with a single example stays in train.
 */
export function splitStratified<T>(
  items: readonly T[],
  options: { stratumOf: (item: T) => string; idOf: (item: T) => string; fraction: number; seed: number },
): Split<T> {
  const strata = groupBy(items, options.stratumOf);
  const eligible = new Map([...strata].map(([key, group]) => [key, group.length > 1 ? group.length - 1 : 0]));
  const sizes = new Map([...strata].map(([key, group]) => [key, group.length]));
  const quota = allocateProportionally(sizes, Math.round(items.length * options.fraction));
  const train: T[] = [];
  const validation: T[] = [];
  for (const [key, group] of strata) {
    const take = Math.min(quota.get(key) ?? 0, eligible.get(key) ?? 0);
    const shuffled = seededShuffle(group, options.idOf, seedFor(options.seed, key));
    validation.push(...shuffled.slice(0, take));
    train.push(...shuffled.slice(take));
  }
  // Written in a seeded order rather than grouped by type, for trainers that do not shuffle.
  return {
    train: seededShuffle(train, options.idOf, options.seed),
    validation: seededShuffle(validation, options.idOf, options.seed),
  };
}
