import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CurationSettings } from "../../lib/curate/candidate.js";
import { TargetNotReachedError, assertTargetReached, curate } from "../../lib/curate/pipeline.js";
import { curationStats, renderCurationTables } from "../../lib/curate/report.js";
import { LeakageError } from "../../lib/curate/leakage.js";
import { pathExists } from "../../lib/core/files.js";
import { TRAINING_INSTRUCTION } from "../../lib/conventional/prompt.js";
import { type Case, CuratedSchema } from "../../lib/core/records.js";
import { DEFAULT_TYPE_MAP, DEFAULT_CONFIG } from "../../runbook/00-config.js";
import { benchmarkCase, labeledRecord, syntheticDiff, withOneLineChanged } from "../helpers/labeled.js";
import { REPO_ROOT, runTsx, tempDir } from "../helpers/process.js";

const settings = (overrides: Partial<CurationSettings> = {}): CurationSettings => ({
  types: DEFAULT_CONFIG.conventional.types,
  typeMap: DEFAULT_TYPE_MAP,
  minScore: 70,
  nearDuplicateThreshold: 0.8,
  similarDiffThreshold: 0.5,
  maxSameMessage: 3,
  maxBodyLines: 10,
  maxMessageTokens: 128,
  instruction: TRAINING_INSTRUCTION,
  maxSeqLength: 2048,
  maxTypeShare: 1,
  maxRepositoryShare: 1,
  target: 1,
  max: 1000,
  validationFraction: 0.1,
  seed: 42,
  cases: [],
  ...overrides,
});

const diffOf = (n: number) => syntheticDiff(n, { files: 2, hunksPerFile: 3, linesPerHunk: 9 });
const droppedBy = (result: Awaited<ReturnType<typeof curate>>, filter: string) =>
  result.stages.find((s) => s.filter === filter)!.dropped.map((d) => [d.candidate.id, d.reason, d.detail]);

describe("label validation", () => {
  it("maps, drops and keeps labels with a reason for every drop", async () => {
    const records = [
      labeledRecord(1, "fix(parser): accept trailing commas in object literals"),
      labeledRecord(2, "types(jsx): allow data attributes on every element"),
      labeledRecord(3, "release: v3.5.0"),
      labeledRecord(4, "chore(release): publish v3.5.1"),
      labeledRecord(5, "Fixed the parser."),
      labeledRecord(6, "fix: x."),
      labeledRecord(7, "yolo: rewrite everything in one go"),
    ];
    const result = await curate(records, settings());

    expect(result.kept.map((c) => [c.id, c.type, c.message])).toEqual([
      ["repo-0001", "fix", "fix(parser): accept trailing commas in object literals"],
      ["repo-0002", "fix", "fix(jsx): allow data attributes on every element"],
    ]);
    expect(droppedBy(result, "type map")).toEqual([
      ["repo-0003", "type release dropped", "curation.typeMap.release is null"],
      ["repo-0007", "type yolo not configured", "not in conventional.types nor curation.typeMap"],
    ]);
    expect(droppedBy(result, "release").map(([id]) => id)).toEqual(["repo-0004"]);
    expect(droppedBy(result, "commitlint").map(([id]) => id)).toContain("repo-0005");
    const all = result.stages.flatMap((s) => s.dropped.map((d) => d.candidate.id));
    expect(all.sort()).toEqual(["repo-0003", "repo-0004", "repo-0005", "repo-0006", "repo-0007"]);
  });
});

describe("deduplication", () => {
  it("removes identical diffs, near-duplicate diffs and the same message on similar diffs, keeping the first", async () => {
    const base = diffOf(1);
    const records = [
      labeledRecord(1, "fix(parser): accept trailing commas in object literals", { diff: base }),
      labeledRecord(2, "feat(parser): support trailing commas everywhere", { diff: base.replace(/^index .*$/gm, "index 0000000..1111111 100644") }),
      labeledRecord(3, "fix(parser): accept trailing commas in arrays too", { diff: withOneLineChanged(base) }),
      labeledRecord(4, "docs: update the contributors list", { diff: diffOf(4) }),
      labeledRecord(5, "docs: update the contributors list", { diff: diffOf(4) + diffOf(5).slice(diffOf(5).indexOf("diff --git")) }),
      labeledRecord(6, "docs: update the contributors list", { diff: diffOf(6) }),
      labeledRecord(7, "feat(router): add a redirect option to routes", { diff: diffOf(7) }),
    ];
    const result = await curate(records, settings({ nearDuplicateThreshold: 0.9 }));

    expect(droppedBy(result, "exact duplicate")).toEqual([["repo-0002", "exact duplicate", "same diff as repo-0001"]]);
    expect(droppedBy(result, "near duplicate")).toEqual([["repo-0003", "near duplicate", expect.stringMatching(/^of repo-0001 \(Jaccard 0\.9\d\)$/)]]);
    expect(droppedBy(result, "same message")).toEqual([["repo-0005", "same message, similar diff", "as repo-0004"]]);
    expect(result.kept.map((c) => c.id)).toEqual(["repo-0001", "repo-0004", "repo-0006", "repo-0007"]);
  });
  it("keeps at most maxSameMessage examples of one message, even on unrelated diffs", async () => {
    const records = [10, 11, 12, 13].map((n) => labeledRecord(n, "docs: update", { diff: diffOf(n) }));
    const result = await curate(records, settings({ maxSameMessage: 2, minScore: 0 }));
    expect(droppedBy(result, "repeated message")).toEqual([
      ["repo-0012", "repeated message", "2 kept already, first repo-0010"],
      ["repo-0013", "repeated message", "2 kept already, first repo-0010"],
    ]);
    expect(result.kept.map((c) => c.id)).toEqual(["repo-0010", "repo-0011"]);
  });
});

describe("leakage", () => {
  it("stops with an error naming both ids when a labeled diff equals a benchmark case's diff", async () => {
    const records = [labeledRecord(1, "fix: handle an empty config file", { diff: diffOf(1) }), labeledRecord(2, "fix: keep the cache warm", { diff: diffOf(2) })];
    const cases = [benchmarkCase("angular-00042", diffOf(2))];
    const run = curate(records, settings({ cases }));
    await expect(run).rejects.toThrow(LeakageError);
    await expect(run).rejects.toThrow("training example repo-0002 ↔ benchmark case angular-00042: identical diff");
  });
});

describe("fit, balance and size", () => {
  const records = Array.from({ length: 120 }, (_, i) =>
    labeledRecord(i + 1, `${["fix", "fix", "fix", "feat", "docs", "test"][i % 6]}(core): change number ${i + 1} of the core`, {
      diff: syntheticDiff(i + 1, { files: 2, hunksPerFile: i === 0 ? 40 : 2, linesPerHunk: 8 }),
      repository: i % 4 === 0 ? "acme/small" : "acme/big",
    }),
  );

  it("truncates a diff over the budget and keeps its answer", async () => {
    const result = await curate(records, settings({ maxSeqLength: 1024 }));
    const first = result.kept.find((c) => c.id === "repo-0001")!;
    expect(first.truncated).toBe(true);
    expect(first.input.length).toBeLessThan(first.diff.length);
    expect(first.tokens).toBeLessThanOrEqual(1024);
    expect(first.message).toBe("fix(core): change number 1 of the core");
  });

  it("caps repositories and types, samples down to max stratified, and reports what each removed", async () => {
    const result = await curate(records, settings({ max: 60, maxRepositoryShare: 1, maxTypeShare: 0.5 }));
    const stats = curationStats(result, settings());
    const stage = (name: string) => stats.stages.find((s) => s.filter === name)!;
    expect(stage("repository cap")).toMatchObject({ dropped: 30, reasons: { "repository cap": 30 }, byRepository: { "acme/big": 60, "acme/small": 30 } });
    const afterRepositoryCap = stage("repository cap").byType;
    expect(afterRepositoryCap.fix).toBeGreaterThan(30);
    expect(stage("type cap")).toMatchObject({ dropped: afterRepositoryCap.fix! - 30, reasons: { "type cap": afterRepositoryCap.fix! - 30 } });
    expect(stage("type cap").byType).toEqual({ ...afterRepositoryCap, fix: 30 });

    const beforeMax = stage("type cap");
    expect(stage("max")).toMatchObject({ kept: 60, dropped: beforeMax.kept - 60, reasons: { "sampled down": beforeMax.kept - 60 } });
    for (const [type, n] of Object.entries(beforeMax.byType)) {
      expect(Math.abs(stage("max").byType[type]! - (n * 60) / beforeMax.kept)).toBeLessThan(1);
    }
    expect(result.split.validation).toHaveLength(6);

    const tables = renderCurationTables(stats, DEFAULT_CONFIG.conventional.types);
    const { feat, docs, test } = beforeMax.byType;
    expect(tables).toMatch(new RegExp(`type cap\\s*│\\s*${beforeMax.kept}\\s*│\\s*${beforeMax.dropped}\\s*│\\s*${feat}\\s*│\\s*30\\s*│\\s*${docs}\\s*│\\s*${test}\\s*│`));
    expect(tables).toContain("Examples per repository after each filter");
  });

  it("fails below the target with a hint to add repositories or extract more", () => {
    expect(() => assertTargetReached(120, 300, 500)).toThrow(TargetNotReachedError);
    try {
      assertTargetReached(120, 300, 500);
    } catch (error) {
      expect((error as TargetNotReachedError).message).toBe("Only 120 examples survive curation; curation.target is 300.");
      expect((error as TargetNotReachedError).hint).toMatch(/add training repositories to `repos`.*raise `extract.maxPerRepo`/);
    }
    expect(() => assertTargetReached(300, 300, 500)).not.toThrow();
  });
});

describe("04-curate as a cell (real process)", () => {
  const CELL = join(REPO_ROOT, "runbook/04-curate.ts");
  const types = ["fix", "fix", "feat", "docs", "test", "refactor", "types"];

  async function project(config: object, cases: Case[] = []): Promise<string> {
    const dir = await tempDir();
    const records = Array.from({ length: 60 }, (_, i) =>
      labeledRecord(i + 1, `${types[i % types.length]}(core): change number ${i + 1} of the core module`, {
        diff: syntheticDiff(i + 1),
        repository: i % 3 === 0 ? "acme/web" : "acme/api",
      }),
    );
    await mkdir(join(dir, "dataset/labeled"), { recursive: true });
    await writeFile(join(dir, "dataset/labeled/acme.jsonl"), records.map((r) => JSON.stringify(r)).join("\n") + "\n");
    // Left by a repository since removed from the config: 04 must not read it (it would not even parse).
    await writeFile(join(dir, "dataset/labeled/removed.jsonl"), "not json\n{}\n");
    await mkdir(join(dir, "benchmark/cases"), { recursive: true });
    await writeFile(join(dir, "benchmark/cases/bench.jsonl"), cases.map((c) => JSON.stringify(c) + "\n").join(""));
    const done = { status: "done", fingerprint: "upstream" };
    await writeFile(join(dir, "checkpoints.json"), JSON.stringify({ version: 1, cells: { "01-clone": done, "02-extract": done, "03-label": done } }));
    await writeFile(join(dir, "joco.config.json"), JSON.stringify({ repos: [{ name: "acme", url: "file:///unused" }], ...config }));
    return dir;
  }
  const checkpoint = async (dir: string) => JSON.parse(await readFile(join(dir, "checkpoints.json"), "utf8")).cells["04-curate"];

  it("writes train, validation, chat and stats, prints the tables, and gives the same split when run again", async () => {
    const dir = await project({ curation: { target: 40, max: 50, maxRepositoryShare: 1, maxTypeShare: 0.6, chatFormat: true } }, [benchmarkCase("bench-0001", syntheticDiff(9999))]);
    const first = await runTsx(CELL, [], { cwd: dir });
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("Checking leakage against 1 benchmark cases (1 file(s)).");
    expect(first.stdout).toMatch(/type map\s*│\s*60\s*│/);
    expect(first.stdout).toMatch(/acme\/api\s*│\s*acme\/web/);
    const train = await readFile(join(dir, "dataset/train.jsonl"), "utf8");
    const validation = await readFile(join(dir, "dataset/validation.jsonl"), "utf8");
    expect(train.trim().split("\n").map((line) => CuratedSchema.parse(JSON.parse(line)))).toHaveLength(45);
    expect(validation.trim().split("\n")).toHaveLength(5);
    expect(await readFile(join(dir, "dataset/train.chat.jsonl"), "utf8")).toContain('"role":"assistant"');
    expect(JSON.parse(await readFile(join(dir, "dataset/stats.json"), "utf8")).examples).toEqual({ total: 50, train: 45, validation: 5 });
    expect(await checkpoint(dir)).toMatchObject({ status: "done", outputs: { train: 45, validation: 5, labeled: 60, benchmarkCases: 1, capped: 0, diffBudgetTokens: 1806 } });
    expect(first.stdout).toMatch(/Messages: estimated tokens p50 \d+, p90 \d+, max \d+ \(cap curation\.maxMessageTokens 128\)/);

    const again = await runTsx(CELL, ["--force"], { cwd: dir });
    expect(again.code).toBe(0);
    expect(await readFile(join(dir, "dataset/train.jsonl"), "utf8")).toBe(train);
    expect(await readFile(join(dir, "dataset/validation.jsonl"), "utf8")).toBe(validation);
  });

  it("fails below the target with the hint, after printing the tables", async () => {
    const dir = await project({ curation: { target: 300 } });
    const run = await runTsx(CELL, [], { cwd: dir });
    expect(run.code).not.toBe(0);
    expect(run.stdout).toContain("Examples per type after each filter");
    expect(run.stderr).toContain("Only 60 examples survive curation; curation.target is 300.");
    expect(run.stderr).toContain("add training repositories to `repos`");
    expect(await checkpoint(dir)).toMatchObject({ status: "failed", hint: expect.stringContaining("raise `extract.maxPerRepo`") });
  });

  it("refuses a message cap the served model could not generate", async () => {
    const dir = await project({ curation: { target: 10, maxMessageTokens: 200 } });
    const run = await runTsx(CELL, [], { cwd: dir });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("ollama.numPredict 128 < curation.maxMessageTokens 200");
    expect(run.stderr).toContain("lower curation.maxMessageTokens");
  });

  it("fails on leakage, naming the labeled example and the benchmark case", async () => {
    const dir = await project({ curation: { target: 10 } }, [benchmarkCase("angular-7", syntheticDiff(17))]);
    const run = await runTsx(CELL, [], { cwd: dir });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("training example repo-0017 ↔ benchmark case angular-7: identical diff");
    expect(await pathExists(join(dir, "dataset/train.jsonl"))).toBe(false);
  });
});
