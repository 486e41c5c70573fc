import { describe, expect, it } from "vitest";
import { changedPaths, emptyCheckpoints, fingerprintOf, stableStringify } from "../../lib/core/checkpoints.js";
import { type AnyCell, defineCell } from "../../lib/core/cell.js";
import { computeStatus, planRun } from "../../lib/core/pipeline.js";
import { z } from "zod";

const cell = (id: string, dependsOn: AnyCell[], key: "a" | "b") =>
  defineCell({
    id,
    title: id,
    version: 1,
    dependsOn,
    options: z.object({}),
    reads: (config: { a: number; b: number }) => ({ [key]: config[key] }),
    preconditions: [],
    outputs: z.object({}),
    run: async () => ({}),
    summarize: () => "",
  });

describe("fingerprints and staleness", () => {
  it("hashes values, not key order", () => {
    expect(stableStringify({ b: 1, a: { d: [1, 2], c: null } })).toBe('{"a":{"c":null,"d":[1,2]},"b":1}');
    const inputs = { version: 1, reads: { x: 1, y: 2 }, upstream: {} };
    expect(fingerprintOf(inputs)).toBe(fingerprintOf({ upstream: {}, reads: { y: 2, x: 1 }, version: 1 }));
    expect(fingerprintOf(inputs)).not.toBe(fingerprintOf({ ...inputs, version: 2 }));
  });

  it("lists the key paths that changed with old and new values", () => {
    expect(changedPaths({ lora: { r: 16, alpha: 32 }, lr: 1 }, { lora: { r: 32, alpha: 32 }, lr: 1, extra: true })).toEqual([
      "extra unset → true",
      "lora.r 16 → 32",
    ]);
  });

  it("compares lists of named things by name", () => {
    const one = { name: "one", url: "file:///one" };
    const two = { name: "two", url: "file:///two" };
    expect(changedPaths([one, two], [one, { ...two, url: "file:///2" }])).toEqual(['two.url "file:///two" → "file:///2"']);
    expect(changedPaths([one, two], [one])).toEqual(['two {"name":"two","url":"file:///two"} → unset']);
    expect(changedPaths([1, 2], [2, 1])).toEqual(["(all) [1,2] → [2,1]"]);
  });

  it("propagates staleness downstream and plans only what must run", () => {
    const a = cell("01-a", [], "a");
    const b = cell("02-b", [a], "b");
    const cells = [a, b, cell("03-c", [b], "b")];
    const checkpoints = emptyCheckpoints();
    const config = { a: 1, b: 1 };
    for (const [i, cell] of cells.entries()) {
      const row = computeStatus(cells, config, checkpoints)[i];
      if (row) checkpoints.cells[cell.id] = { status: "done", fingerprint: row.fingerprint, inputs: row.inputs };
    }
    expect(computeStatus(cells, config, checkpoints).map((r) => r.state)).toEqual(["done", "done", "done"]);

    const rows = computeStatus(cells, { a: 2, b: 1 }, checkpoints);
    expect(rows.map((r) => r.state)).toEqual(["stale", "stale", "stale"]);
    expect(rows[0]?.reasons).toEqual(["config a 1 → 2"]);
    expect(rows[1]?.reasons).toEqual(["upstream 01-a is stale"]);
    expect(planRun(computeStatus(cells, { a: 1, b: 2 }, checkpoints), {}).map((p) => p.action)).toEqual(["skip", "run", "run"]);
    expect(planRun(computeStatus(cells, config, checkpoints), { only: ["02-b"], force: true }).map((p) => p.row.cell.id)).toEqual([
      "02-b",
    ]);
  });
});
