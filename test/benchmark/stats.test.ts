import { describe, expect, it } from "vitest";
import { bootstrapPairedDelta, discordantPairs, mcnemarExact, mean, percentile, wilsonInterval } from "../../lib/benchmark/stats.js";
import { createRng } from "../../lib/curate/split.js";

describe("percentile", () => {
  it("interpolates between closest ranks like numpy's default", () => {
    expect(percentile([4, 1, 3, 2], 50)).toBe(2.5);
    expect(percentile([1, 2, 3, 4], 95)).toBeCloseTo(3.85, 12); // rank 0.95 · 3 = 2.85 → 3 + 0.85
    expect(percentile([10, 20, 30, 40, 50], 95)).toBeCloseTo(48, 12); // rank 3.8 → 40 + 0.8 · 10
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 50)).toBeNull();
  });

  it("means are null for nothing", () => {
    expect(mean([1, 2, 6])).toBe(3);
    expect(mean([])).toBeNull();
  });
});

describe("exact McNemar test", () => {
  it("matches the binomial tail computed by hand", () => {
    expect(mcnemarExact(1, 9)).toBe(0.021484375); // 2 · (C(10,0) + C(10,1)) / 2^10 = 22/1024
    expect(mcnemarExact(9, 1)).toBe(0.021484375);
    expect(mcnemarExact(0, 5)).toBe(0.0625); // 2 / 2^5
    expect(mcnemarExact(3, 12)).toBe(0.03515625); // 2 · (1 + 15 + 105 + 455) / 2^15
    expect(mcnemarExact(5, 5)).toBe(1);
    expect(mcnemarExact(0, 0)).toBe(1);
  });

  it("stays exact past the point where 2^-n underflows", () => {
    // 2 · Σ_{k ≤ 600} C(1300, k) / 2^1300, from Python's exact integers (math.comb).
    expect(mcnemarExact(600, 700)).toBeCloseTo(0.0060157938610449525, 14);
    expect(mcnemarExact(0, 2000)).toBeLessThan(1e-300);
  });

  it("counts the discordant pairs: b passed only before, c only after", () => {
    expect(discordantPairs([true, true, false, false, true], [true, false, true, true, false])).toEqual({ b: 2, c: 2 });
    expect(discordantPairs([false, false, false], [true, true, false])).toEqual({ b: 0, c: 2 });
  });
});

describe("paired bootstrap interval", () => {
  it("finds the exact bootstrap quantiles of a small sample", () => {
    // Differences [0, 0, 1, 1, 1]: a resampled mean is Binomial(5, 0.6) / 5. P(X = 0) = 0.01 < 2.5% ≤ P(X ≤ 1) = 0.087,
    // and P(X ≤ 4) = 0.922 < 97.5%: the 95% interval is [0.2, 1.0], and the observed delta 0.6.
    const interval = bootstrapPairedDelta([0, 0, 0, 0, 0], [0, 0, 1, 1, 1], { iterations: 20_000, seed: 7 });
    expect(interval).toEqual({ delta: 0.6, low: 0.2, high: 1 });
  });

  it("is a point for a constant difference, and reproducible for a seed", () => {
    expect(bootstrapPairedDelta([1, 2, 3], [3, 4, 5])).toEqual({ delta: 2, low: 2, high: 2 });
    const before = Array.from({ length: 50 }, (_, i) => i % 3);
    const after = Array.from({ length: 50 }, (_, i) => (i * 7) % 5);
    expect(bootstrapPairedDelta(before, after, { seed: 1 })).toEqual(bootstrapPairedDelta(before, after, { seed: 1 }));
    expect(bootstrapPairedDelta([], [])).toBeNull();
    expect(() => bootstrapPairedDelta([1], [1, 2])).toThrow(/differ in length/);
  });

  it("agrees with the normal approximation on a large sample", () => {
    // 400 pairs, 160 improved, 40 worsened, 200 unchanged: mean 0.3, sd of the differences √(0.5 − 0.09).
    const before = Array.from({ length: 400 }, (_, i) => (i < 40 ? 1 : 0));
    const after = Array.from({ length: 400 }, (_, i) => (i >= 40 && i < 200 ? 1 : 0));
    const interval = bootstrapPairedDelta(before, after)!;
    const halfWidth = (1.96 * Math.sqrt(0.5 - 0.09)) / Math.sqrt(400);
    expect(interval.delta).toBeCloseTo(0.3, 12);
    expect(interval.low).toBeCloseTo(0.3 - halfWidth, 2);
    expect(interval.high).toBeCloseTo(0.3 + halfWidth, 2);
  });

  it("draws uniform numbers from the seeded generator", () => {
    const random = createRng(123);
    const draws = Array.from({ length: 10_000 }, random);
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1);
    expect(mean(draws)).toBeCloseTo(0.5, 1);
  });
});

describe("wilsonInterval", () => {
  it("matches published Wilson intervals (statsmodels proportion_confint, method='wilson')", () => {
    const close = (interval: { low: number; high: number } | null, low: number, high: number) => {
      expect(interval!.low).toBeCloseTo(low, 4);
      expect(interval!.high).toBeCloseTo(high, 4);
    };
    close(wilsonInterval(1, 10), 0.017875, 0.404155);
    close(wilsonInterval(0, 10), 0, 0.277530);
    close(wilsonInterval(10, 10), 0.722470, 1);
    close(wilsonInterval(60, 100), 0.502003, 0.690599);
    close(wilsonInterval(50, 100), 0.403832, 0.596168);
  });

  it("is null for no trials and symmetric around a half", () => {
    expect(wilsonInterval(0, 0)).toBeNull();
    const half = wilsonInterval(7, 14)!;
    expect(half.low + half.high).toBeCloseTo(1, 12);
  });
});
