import { describe, expect, it } from "vitest";
import { capPerGroup, sampleStratified } from "../lib/balance.js";

interface Item {
  id: string;
  type: string;
  repository: string;
}

const make = (type: string, repository: string, n: number): Item[] =>
  Array.from({ length: n }, (_, i) => ({ id: `${repository}-${type}-${i}`, type, repository }));
const options = { idOf: (i: Item) => i.id, spreadOf: (i: Item) => i.repository, seed: 1 };
const count = (items: Item[], key: keyof Item, value: string) => items.filter((i) => i[key] === value).length;

describe("capPerGroup", () => {
  it("cuts a type down to the cap, keeping every repository's few and taking from the largest", () => {
    const items = [...make("fix", "vue", 100), ...make("fix", "vite", 10), ...make("feat", "vue", 20)];
    const { kept, removed } = capPerGroup(items, (i) => i.type, 50, options);
    expect(count(kept, "type", "fix")).toBe(50);
    expect(count(kept, "type", "feat")).toBe(20);
    expect(kept.filter((i) => i.type === "fix" && i.repository === "vite")).toHaveLength(10);
    expect(removed).toHaveLength(60);
    expect(capPerGroup(items, (i) => i.type, 50, options)).toEqual({ kept, removed });
  });
});

describe("sampleStratified", () => {
  it("samples down to the total, each type keeping its share", () => {
    const items = [...make("fix", "a", 300), ...make("feat", "a", 150), ...make("docs", "b", 150)];
    const { kept, removed } = sampleStratified(items, 200, (i) => i.type, options);
    expect(kept).toHaveLength(200);
    expect(removed).toHaveLength(400);
    expect([count(kept, "type", "fix"), count(kept, "type", "feat"), count(kept, "type", "docs")]).toEqual([100, 50, 50]);
    expect(sampleStratified(items, 1000, (i) => i.type, options).kept).toHaveLength(600);
  });
});
