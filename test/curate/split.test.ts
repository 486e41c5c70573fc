import { describe, expect, it } from "vitest";
import { allocateProportionally, seededShuffle, splitStratified } from "../../lib/curate/split.js";

interface Item {
  id: string;
  type: string;
}

const TYPES = { fix: 180, feat: 90, docs: 60, test: 30, perf: 9, revert: 1 };
const items: Item[] = Object.entries(TYPES).flatMap(([type, n]) => Array.from({ length: n }, (_, i) => ({ id: `${type}-${i}`, type })));
const split = (list: Item[], seed = 42) => splitStratified(list, { stratumOf: (i) => i.type, idOf: (i) => i.id, fraction: 0.1, seed });
const ids = (list: Item[]) => list.map((i) => i.id);

describe("splitStratified", () => {
  it("gives the same split on every run and for any input order", () => {
    const first = split(items);
    const reversed = split([...items].reverse());
    const shuffled = split(seededShuffle(items, (i) => i.id, 7));
    expect(ids(reversed.train)).toEqual(ids(first.train));
    expect(ids(shuffled.validation)).toEqual(ids(first.validation));
    expect(ids(split(items, 43).validation)).not.toEqual(ids(first.validation));
  });

  it("stratifies by type: each type gives its share of about 10% to validation", () => {
    const { train, validation } = split(items);
    expect(train.length + validation.length).toBe(items.length);
    expect(new Set([...ids(train), ...ids(validation)]).size).toBe(items.length);
    expect(validation.length).toBe(Math.round(items.length * 0.1));
    for (const [type, n] of Object.entries(TYPES)) {
      const inValidation = validation.filter((i) => i.type === type).length;
      expect(Math.abs(inValidation - n * 0.1)).toBeLessThanOrEqual(1);
    }
    expect(validation.some((i) => i.type === "revert")).toBe(false);
  });
});

describe("allocateProportionally", () => {
  it("hands out exactly the total by largest remainder, never more than a group has", () => {
    const sizes = new Map([["a", 5], ["b", 3], ["c", 2]]);
    expect(Object.fromEntries(allocateProportionally(sizes, 5))).toEqual({ a: 3, b: 1, c: 1 });
    expect([...allocateProportionally(sizes, 100).values()]).toEqual([5, 3, 2]);
  });
});
