import { describe, expect, it } from "vitest";
import { capPerGroup, sampleStratified } from "../../lib/curate/balance.js";

interface Item {
  id: string;
  type: string;
  repository: string;
}

const make = (type: string, repository: string, n: number): Item[] =>
  Array.from({ length: n }, (_, i) => ({ id: `${repository}-${type}-${i}`, type, repository }));
const count = (items: Item[], type: string, repository?: string) =>
  items.filter((i) => i.type === type && (repository === undefined || i.repository === repository)).length;

describe("capPerGroup", () => {
  it("cuts each group over the cap, keeping its mix of the other dimension, and leaves the others alone", () => {
    const items = [...make("fix", "vue", 80), ...make("fix", "vite", 20), ...make("feat", "vue", 20)];
    const options = { idOf: (i: Item) => i.id, spreadOf: (i: Item) => i.repository, seed: 1 };
    const { kept, removed } = capPerGroup(items, (i) => i.type, 50, options);
    expect([count(kept, "fix", "vue"), count(kept, "fix", "vite"), count(kept, "feat")]).toEqual([40, 10, 20]);
    expect(removed).toHaveLength(50);
    expect(removed.every((i) => i.type === "fix")).toBe(true);
    expect(capPerGroup([...items].reverse(), (i) => i.type, 50, options).kept.map((i) => i.id).sort()).toEqual(kept.map((i) => i.id).sort());
  });
});

describe("sampleStratified", () => {
  it("samples down to the total, each type keeping its share and, within it, each repository", () => {
    const items = [...make("fix", "a", 200), ...make("fix", "b", 100), ...make("feat", "a", 150), ...make("docs", "b", 150)];
    const { kept, removed } = sampleStratified(items, 200, [(i) => i.type, (i) => i.repository], { idOf: (i) => i.id, seed: 3 });
    expect(kept).toHaveLength(200);
    expect(removed).toHaveLength(400);
    expect([count(kept, "fix", "a"), count(kept, "fix", "b"), count(kept, "feat"), count(kept, "docs")]).toEqual([67, 33, 50, 50]);
    expect(sampleStratified(items, 1000, [(i) => i.type], { idOf: (i) => i.id, seed: 3 }).kept).toHaveLength(600);
  });

  it("draws other examples with another seed", () => {
    const items = make("fix", "a", 100);
    const draw = (seed: number) => sampleStratified(items, 10, [(i) => i.type], { idOf: (i) => i.id, seed }).kept.map((i) => i.id);
    expect(draw(1)).toEqual(draw(1));
    expect(draw(1)).not.toEqual(draw(2));
  });
});
