/**
 * Diff similarity for deduplication and leakage checks: an exact hash of the
 * normalised diff, and word 5-shingles of its changed lines compared by
 * Jaccard similarity. MinHash signatures split into LSH bands find candidate
 * pairs without comparing every pair; each candidate is then confirmed with the
 * exact Jaccard of the shingle sets, so the result never depends on hash luck.
 * Everything is deterministic: fixed hash seeds, items visited in input order.
 */
import { createHash } from "node:crypto";

const SHINGLE_WORDS = 5;
const BANDS = 32;
const ROWS_PER_BAND = 4;
const PERMUTATIONS = BANDS * ROWS_PER_BAND;
// With 32 bands of 4 rows, a pair at Jaccard 0.5 becomes a candidate with probability 1 − (1 − 0.5⁴)³² ≈ 0.87,
// one at 0.7 with ≈ 1: thresholds from 0.5 up are found; confirmation is exact.

/**
 * What stays of a diff for comparing: the patch without the stat block, `index`
 * lines (blob hashes differ between a commit and its cherry-pick) and trailing spaces.
 */
export function normalizeDiff(diff: string): string {
  const start = diff.search(/^diff --git /m);
  return (start >= 0 ? diff.slice(start) : diff)
    .split("\n")
    .filter((line) => !line.startsWith("index "))
    .map((line) => line.trimEnd())
    .join("\n")
    .trim();
}

export function diffHash(diff: string): string {
  return createHash("sha256").update(normalizeDiff(diff)).digest("hex");
}

/** Hashed word shingles of the file names and changed lines (context lines say little about the change). */
export function diffShingles(diff: string): Set<number> {
  const words: string[] = [];
  for (const line of normalizeDiff(diff).split("\n")) {
    const changed = /^[+-](?![+-]{2} )/.test(line) || line.startsWith("diff --git ");
    if (changed) words.push(...(line.match(/[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]+/gu) ?? []));
  }
  const shingles = new Set<number>();
  if (words.length > 0 && words.length < SHINGLE_WORDS) shingles.add(fnv1a(words.join(" ")));
  for (let i = 0; i + SHINGLE_WORDS <= words.length; i += 1) shingles.add(fnv1a(words.slice(i, i + SHINGLE_WORDS).join(" ")));
  return shingles;
}

export function jaccard(a: Set<number>, b: Set<number>): number {
  if (a.size === 0 || b.size === 0) return 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let shared = 0;
  for (const x of small) if (large.has(x)) shared += 1;
  return shared / (a.size + b.size - shared);
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** murmur3's finaliser over x ^ seed: one cheap, well-mixed hash per MinHash permutation. */
function mix(x: number, seed: number): number {
  let h = (x ^ seed) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const SEEDS = Array.from({ length: PERMUTATIONS }, (_, i) => mix(i + 1, 0x9e3779b9));

function bandKeys(shingles: Set<number>): string[] {
  const minimum = new Uint32Array(PERMUTATIONS).fill(0xffffffff);
  for (const shingle of shingles) {
    for (let p = 0; p < PERMUTATIONS; p += 1) {
      const h = mix(shingle, SEEDS[p]!);
      if (h < minimum[p]!) minimum[p] = h;
    }
  }
  return Array.from({ length: BANDS }, (_, b) => `${b}:${minimum.subarray(b * ROWS_PER_BAND, (b + 1) * ROWS_PER_BAND).join(",")}`);
}

/** What a diff is compared by: computed once, used by every index it meets. */
export interface DiffFingerprint {
  hash: string;
  shingles: Set<number>;
  bands: string[];
}

export function fingerprintDiff(diff: string): DiffFingerprint {
  const shingles = diffShingles(diff);
  return { hash: diffHash(diff), shingles, bands: shingles.size ? bandKeys(shingles) : [] };
}

export interface SimilarMatch<T> {
  item: T;
  similarity: number;
}

/** A growing set of diffs that answers "which stored diff is most similar to this one, at or above a threshold?". */
export interface SimilarityIndex<T> {
  add: (item: T, fingerprint: DiffFingerprint) => void;
  mostSimilar: (fingerprint: DiffFingerprint, threshold: number) => SimilarMatch<T> | undefined;
}

export function createSimilarityIndex<T>(): SimilarityIndex<T> {
  const buckets = new Map<string, number[]>();
  const entries: { item: T; shingles: Set<number> }[] = [];
  return {
    add(item, { shingles, bands }) {
      if (shingles.size === 0) return;
      const index = entries.push({ item, shingles }) - 1;
      for (const key of bands) {
        const bucket = buckets.get(key);
        if (bucket) bucket.push(index);
        else buckets.set(key, [index]);
      }
    },
    mostSimilar({ shingles, bands }, threshold) {
      const candidates = new Set<number>();
      for (const key of bands) for (const index of buckets.get(key) ?? []) candidates.add(index);
      let best: SimilarMatch<T> | undefined;
      for (const index of [...candidates].sort((a, b) => a - b)) {
        const entry = entries[index]!;
        const similarity = jaccard(shingles, entry.shingles);
        if (similarity >= threshold && (!best || similarity > best.similarity)) best = { item: entry.item, similarity };
      }
      return best;
    },
  };
}
