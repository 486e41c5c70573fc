import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findCycles, importGraph } from "../helpers/import-graph.js";
import { REPO_ROOT, tempDir } from "../helpers/process.js";

/** lib/ folders in pipeline order: each may import itself and the folders before it, never one after. */
const LAYERS = ["core", "conventional", "extract", "label", "curate", "train", "export", "serve", "benchmark", "log", "suggest", "rehearse"];

const layerOf = (file: string) => {
  const match = /^lib\/([^/]+)\//.exec(file);
  return match ? LAYERS.indexOf(match[1] ?? "") : -1;
};

describe("the import graph of lib/ and runbook/", () => {
  const graph = importGraph(REPO_ROOT, ["lib", "runbook"]);

  it("has no cycle", () => {
    expect(graph.size).toBeGreaterThan(80);
    expect(findCycles(graph).map((cycle) => cycle.join(" → "))).toEqual([]);
  });

  it("finds a cycle planted in a copy of that shape", async () => {
    const dir = await tempDir();
    await mkdir(join(dir, "lib"));
    await writeFile(join(dir, "lib/a.ts"), 'import { b } from "./b.js";\nexport const a = () => b;\n');
    await writeFile(join(dir, "lib/b.ts"), 'import type { c } from "./c.js";\nexport const b = 1 as unknown as typeof c;\n');
    await writeFile(join(dir, "lib/c.ts"), 'export const c = async () => (await import("./a.js")).a;\n');
    expect(findCycles(importGraph(dir, ["lib"]))).toEqual([["lib/a.ts", "lib/b.ts", "lib/c.ts", "lib/a.ts"]]);
  });

  it("keeps each stage folder off the folders of later stages, and lib/ off runbook/", () => {
    const wrong: string[] = [];
    for (const [file, targets] of graph) {
      if (!file.startsWith("lib/")) continue;
      for (const target of targets) {
        const reachesForward = layerOf(file) >= 0 && layerOf(target) > layerOf(file);
        const reachesRunbook = target.startsWith("runbook/") && !file.startsWith("runbook/");
        if (reachesForward || reachesRunbook) wrong.push(`${file} → ${target}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("lays lib/ out as folders, each file within 250 lines", async () => {
    const topFiles = [...graph.keys()].filter((f) => /^lib\/[^/]+$/.test(f));
    expect(topFiles.length).toBeLessThanOrEqual(2);
    const { readFile } = await import("node:fs/promises");
    const long: string[] = [];
    for (const file of graph.keys()) {
      const lines = (await readFile(join(REPO_ROOT, file), "utf8")).split("\n").length;
      if (lines > 250) long.push(`${file}: ${lines}`);
    }
    expect(long).toEqual([]);
  });
});
