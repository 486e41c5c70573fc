/**
 * The statistics behind "is this difference real?": percentiles, a paired
 * bootstrap interval for a mean difference, and the exact McNemar test for
 * paired pass/fail outcomes. Seeded, so the same runs always print the same table.
 */
import { createRng } from "../curate/split.js";

/** Linear interpolation between closest ranks (numpy's default); null for no values. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (Math.min(Math.max(p, 0), 100) / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

export function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

export interface BootstrapInterval {
  /** mean(after − before) over the pairs. */
  delta: number;
  low: number;
  high: number;
}

export interface BootstrapOptions {
  iterations?: number;
  seed?: number;
  /** 0.95 for a 95% interval. */
  confidence?: number;
}

/**
 * Percentile bootstrap of the mean paired difference: resample the pairs
 * (not each side on its own), so the interval reflects that both models saw
 * the same cases.
 */
export function bootstrapPairedDelta(
  before: readonly number[],
  after: readonly number[],
  { iterations = 10_000, seed = 42, confidence = 0.95 }: BootstrapOptions = {},
): BootstrapInterval | null {
  if (before.length !== after.length) throw new Error(`paired samples differ in length: ${before.length} vs ${after.length}`);
  const n = before.length;
  if (n === 0) return null;
  const differences = after.map((value, i) => value - before[i]!);
  const random = createRng(seed);
  const means = new Float64Array(iterations);
  for (let r = 0; r < iterations; r += 1) {
    let sum = 0;
    for (let i = 0; i < n; i += 1) sum += differences[Math.floor(random() * n)]!;
    means[r] = sum / n;
  }
  const tail = ((1 - confidence) / 2) * 100;
  const resampled = Array.from(means);
  return { delta: mean(differences)!, low: percentile(resampled, tail)!, high: percentile(resampled, 100 - tail)! };
}

/**
 * Exact (binomial) McNemar test, two-sided: of the n = b + c discordant pairs,
 * b passed only before and c only after; under "no difference" b ~ Binomial(n, ½).
 * p = min(1, 2 · P(X ≤ min(b, c))).
 */
export function mcnemarExact(b: number, c: number): number {
  const n = b + c;
  if (n === 0) return 1;
  const k = Math.min(b, c);
  // P(X = 0) = 2^-n, then P(X = i + 1) = P(X = i) · (n − i) / (i + 1): exact in binary for small n.
  // Past ~1,000 pairs 2^-n underflows, so the terms are carried as logarithms instead.
  let tail = 0;
  let logTerm = -n * Math.LN2;
  let term = n <= 1000 ? 2 ** -n : 0;
  for (let i = 0; i <= k; i += 1) {
    tail += n <= 1000 ? term : Math.exp(logTerm);
    term = (term * (n - i)) / (i + 1);
    logTerm += Math.log(n - i) - Math.log(i + 1);
  }
  return Math.min(1, 2 * tail);
}

/** The discordant counts of two paired pass/fail series. */
export function discordantPairs(before: readonly boolean[], after: readonly boolean[]): { b: number; c: number } {
  let b = 0;
  let c = 0;
  before.forEach((passed, i) => {
    if (passed && !after[i]) b += 1;
    if (!passed && after[i]) c += 1;
  });
  return { b, c };
}

/** z for a two-sided 95% interval. */
const Z95 = 1.959963984540054;

/**
 * The Wilson score interval of a binomial rate (successes of n), 95% by
 * default: unlike the normal approximation it stays inside [0, 1] and is
 * honest at 0%, 100% and small n. Null for n = 0.
 */
export function wilsonInterval(successes: number, n: number, z = Z95): { low: number; high: number } | null {
  if (n === 0) return null;
  const p = successes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}
