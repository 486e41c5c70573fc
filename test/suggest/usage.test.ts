import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pathExists } from "../../lib/core/files.js";
import { PENDING_FILE, type UsageEntry, USAGE_LOG_FILE, appendSuggestion, readUsageLog, recordCommit } from "../../lib/suggest/usage-log.js";
import { scoreUsage } from "../../lib/suggest/usage-score.js";
import { type FakeOllama, startFakeOllama } from "../fakes/ollama.ts";
import { gitWith, hookCli, writeConfig, writeEditors } from "../helpers/hook-repo.js";
import { createRepo, lines } from "../helpers/git-fixture.js";
import { REPO_ROOT, runTsx, tempDir } from "../helpers/process.js";

const BENCHMARK = join(REPO_ROOT, "runbook/08-benchmark.ts");
/** What the stand-in suggests for each commit, in order. */
const ANSWERS = [
  { type: "feat", scope: "parser", breaking: false, description: "add the tokenizer", body: null },
  { type: "docs", scope: null, breaking: false, description: "describe the tokenizer", body: null },
  { type: "feat", scope: null, breaking: false, description: "add parser", body: null },
];

let ollama: FakeOllama;
beforeAll(async () => {
  ollama = await startFakeOllama({ models: ["joco"], respond: ({ index }) => ({ json: ANSWERS[index % ANSWERS.length] }) });
});
afterAll(() => ollama.close());

describe("scores from real use", { timeout: 180_000 }, () => {
  it("after three hook commits, one edited, 08 --usage reports 2 of 3 unchanged and the edit similarity of the third", async () => {
    const repo = await createRepo(join(await tempDir(), "repo"));
    await repo.commit({ message: "feat: start", files: { "a.txt": "a\n" } });
    expect((await hookCli("install", repo.dir, await writeConfig({ timeoutMs: 60_000 }))).code).toBe(0);
    const editors = await writeEditors();

    for (const [i, editor] of [editors.keep, editors.keep, editors.replaceFirstLine].entries()) {
      await writeFile(join(repo.dir, "a.txt"), lines(i + 2, "a"));
      const env = { OLLAMA_HOST: ollama.url, GIT_EDITOR: editor, JOCO_TEST_LINE: "fix: add parser" };
      const commit = await gitWith(repo.dir, ["commit", "-a"], env);
      expect(commit.code, commit.stderr).toBe(0);
    }
    const log = await readUsageLog(join(repo.dir, ".git", USAGE_LOG_FILE));
    expect(log.map((e) => [e.suggestion, e.committed])).toEqual([
      ["feat(parser): add the tokenizer", "feat(parser): add the tokenizer"],
      ["docs: describe the tokenizer", "docs: describe the tokenizer"],
      ["feat: add parser", "fix: add parser"],
    ]);
    expect(JSON.stringify(log)).not.toContain("diff --git");
    expect(await pathExists(join(repo.dir, ".git", PENDING_FILE))).toBe(false); // the next `commit -m` starts no node

    const report = await runTsx(BENCHMARK, ["--usage", repo.dir], { cwd: await tempDir() });
    expect(report.code, report.stderr).toBe(0);
    // By hand: "feat: add parser" → "fix: add parser" is e→i, a→x and one t deleted: 3 edits over 16 characters.
    const third = 1 - 3 / 16;
    const row = report.stdout.split("\n").find((line) => line.includes("│ joco ")) ?? "";
    expect(row, report.stdout).toContain("2 of 3 (66.7%)");
    expect(row).toContain((100 * third).toFixed(1)); // 81.3, the edited one alone
    expect(row).toContain((100 * ((1 + 1 + third) / 3)).toFixed(1)); // 93.8 over all three
    expect(row).toContain("feat → fix ×1");
    expect(row).toMatch(/2 of 3 +│ feat → fix/);
  });
});

const entry = (suggestion: string, committed: string | null, model = "joco"): UsageEntry => ({
  time: "2026-01-01T00:00:00.000Z",
  diffHash: suggestion,
  model,
  mode: "structured",
  suggestion,
  committed,
  latencyMs: 10,
});

describe("scoreUsage", () => {
  it("counts per model, compares messages as git commits them, and leaves out suggestions never committed", () => {
    const [joco, base] = scoreUsage([
      entry("feat: a", "feat: a  \n\n\n"),
      entry("feat: b", null),
      entry("fix: c", "c"),
      entry("docs: d", "docs: d", "llama3.2:1b"),
    ]);
    expect(joco).toMatchObject({ model: "joco", suggestions: 3, committed: 2, unchanged: 1, typeKept: 1, typeChanges: { "fix → (none)": 1 } });
    expect(joco!.editedSimilarity).toBeCloseTo(1 - 5 / 6);
    expect(base).toMatchObject({ model: "llama3.2:1b", suggestions: 1, committed: 1, unchanged: 1, editSimilarity: 1, editedSimilarity: null });
  });
});

describe("the usage log", () => {
  it("completes the latest open suggestion of a diff, never one already committed nor another diff's", async () => {
    const file = join(await tempDir(), USAGE_LOG_FILE);
    const base = { time: "t", model: "joco", mode: "free" as const, latencyMs: 5 };
    await appendSuggestion(file, { ...base, diffHash: "h1", suggestion: "feat: one" });
    await appendSuggestion(file, { ...base, diffHash: "h1", suggestion: "feat: one again" });
    await appendSuggestion(file, { ...base, diffHash: "h2", suggestion: "feat: two" });
    expect(await readFile(join(file, "..", PENDING_FILE), "utf8")).toBe("h2\n");
    expect(await recordCommit(file, { diffHash: "h1", message: "feat: 1", sha: "s1" })).toBe(true);
    expect(await recordCommit(file, { diffHash: "h3", message: "x", sha: "s3" })).toBe(false);
    expect((await readUsageLog(file)).map((e) => [e.suggestion, e.committed, e.commit])).toEqual([
      ["feat: one", null, undefined],
      ["feat: one again", "feat: 1", "s1"],
      ["feat: two", null, undefined],
    ]);
    await writeFile(file, (await readFile(file, "utf8")) + '{"time":"torn'); // a crash mid-append
    await appendSuggestion(file, { ...base, diffHash: "h4", suggestion: "feat: four" });
    expect((await readUsageLog(file)).map((e) => e.suggestion)).toEqual(["feat: one", "feat: one again", "feat: two", "feat: four"]);
  });
});
