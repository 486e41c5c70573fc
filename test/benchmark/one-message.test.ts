import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOllamaGenerator } from "../../lib/benchmark/generators/ollama.js";
import type { Run } from "../../lib/benchmark/runs.js";
import { executeRun } from "../../lib/benchmark/runs.js";
import type { Case } from "../../lib/core/records.js";
import { DEFAULT_CONFIG } from "../../runbook/00-config.js";
import { type FakeOllama, promptOf, startFakeOllama } from "../fakes/ollama.ts";
import { tempDir } from "../helpers/process.js";

// The outputs that made the old figures say what they did not mean (issue 16), each answered by the Ollama
// stand-in. Every verdict below is worked out by hand from DESIGN §6:
// - valid (formatCompliance): the stripspace-cleaned output is exactly one message and passes commitlint;
// - type (extracted) / strict: the type of the first header found after cleaning / of the cleaned output itself;
// - legacy: the Java regex on the first line of the raw output, trimmed; its score 30 + 20 + ≤72 20 + lower-case 10
//   (valid subjects only) + no final "." 5 + 30–60 chars 15;
// - ours: the rubric on the cleaned output, −20 when it is not exactly one message.
const SCRIPT: Array<{ name: string; expected: string; output: string; valid: boolean; problems: string[]; type: boolean; strict: boolean; legacyValid: boolean; legacyScore: number; score: number }> = [
  // 25 chars: legacy 30+20+20+10+5; ours the same 85 − 20 for the explanation.
  { name: "explanation", expected: "feat(api): add pagination", output: "feat(api): add pagination\n\nI chose feat because this adds a capability.", valid: false, problems: ["meta-commentary"], type: true, strict: true, legacyValid: true, legacyScore: 85, score: 65 },
  // 40 chars: legacy 100 (it reads the first line only); ours 100 − 20.
  { name: "duplicated header", expected: "fix(cache): drop stale entries on reload", output: "fix(cache): drop stale entries on reload\nfix(cache): drop stale entries on reload", valid: false, problems: ["second-header"], type: true, strict: true, legacyValid: true, legacyScore: 100, score: 80 },
  // The first line is "```": legacy 5; ours ≤ 72 20 − 20; the extracted message is right, the strict one has no type.
  { name: "fenced", expected: "docs(readme): describe the install steps", output: "```\ndocs(readme): describe the install steps\n```", valid: false, problems: ["text-before-header", "code-fence"], type: true, strict: false, legacyValid: false, legacyScore: 5, score: 0 },
  // git would drop the blank line, so ours is 100 (43 chars); the harness read an empty first line: 5.
  { name: "leading blank line", expected: "refactor(core): simplify the scheduler loop", output: "\nrefactor(core): simplify the scheduler loop", valid: true, problems: [], type: true, strict: true, legacyValid: false, legacyScore: 5, score: 100 },
  // 35 chars once trimmed, by both.
  { name: "trailing spaces", expected: "perf(render): cache computed styles", output: "perf(render): cache computed styles   \n\n  ", valid: true, problems: [], type: true, strict: true, legacyValid: true, legacyScore: 100, score: 100 },
  // commitlint's type-case fails it; types compare in lower case; the harness is case-sensitive: 5 + 15 (35 chars).
  { name: "FEAT:", expected: "feat(parser): support nested arrays", output: "FEAT(parser): support nested arrays", valid: false, problems: [], type: true, strict: true, legacyValid: false, legacyScore: 20, score: 100 },
  // commitlint takes a `/` scope; the harness's [\w.-] does not: 5 + 15 (44 chars).
  { name: "fix(lint/js):", expected: "fix(lint/js): report unused disable comments", output: "fix(lint/js): report unused disable comments", valid: true, problems: [], type: true, strict: true, legacyValid: false, legacyScore: 20, score: 100 },
  // commitlint's parser preset reads `!`; the harness has no `!`: 5 + 15 (31 chars).
  { name: "feat!:", expected: "feat(api)!: drop support for node 16", output: "feat!: drop support for node 16", valid: true, problems: [], type: true, strict: true, legacyValid: false, legacyScore: 20, score: 100 },
  // No header anywhere: no type either way; lint fails (defaultIgnores false); 48 chars: legacy 5 + 15, ours 20 + 15.
  { name: "revert", expected: "fix(router): restore hash mode fallback", output: 'Revert "fix(router): restore hash mode fallback"', valid: false, problems: [], type: false, strict: false, legacyValid: false, legacyScore: 20, score: 35 },
  // A successful generation with nothing in it: a miss everywhere, and in the harness's averages with its 5.
  { name: "empty", expected: "chore(deps): bump vite to 5.2", output: "", valid: false, problems: ["empty"], type: false, strict: false, legacyValid: false, legacyScore: 5, score: 0 },
];

const CASES: Case[] = SCRIPT.map((s, i) => ({ id: `c${i}`, diff: `diff --git a/${i}-${s.name} b/${i}`, expectedMessage: s.expected, repository: "r", commitHash: String(i), metadata: {} }));

let ollama: FakeOllama;
let run: Run;
beforeAll(async () => {
  ollama = await startFakeOllama({
    models: ["llama3.2:1b"],
    respond: (request) => SCRIPT[CASES.findIndex((c) => promptOf(request).includes(c.diff))]!.output,
  });
  const sampling = { temperature: 0.7, topP: 0.9, numPredict: 256, seed: 42, numCtx: 4096 };
  const generator = await createOllamaGenerator({ host: ollama.url, model: "llama3.2:1b", mode: "free", prompt: "chat", types: DEFAULT_CONFIG.conventional.types, ...sampling });
  ({ run } = await executeRun({ dir: await tempDir(), generator, cases: CASES, casesFile: "cases.jsonl", types: DEFAULT_CONFIG.conventional.types, concurrency: 2, signal: new AbortController().signal }));
});
afterAll(() => ollama.close());

describe("one message, the extracted message and the plan's figures, against scripted outputs", () => {
  it("judges every output as worked out by hand", () => {
    const verdicts = (r: Run["results"][number]) => ({
      valid: r.valid,
      problems: r.problems,
      type: r.typeCorrect,
      strict: r.typeCorrectStrict,
      legacyValid: r.legacy.valid,
      legacyScore: r.legacy.score,
      score: r.score,
    });
    run.results.forEach((r, i) => {
      const { name: _name, expected: _expected, output: _output, ...hand } = SCRIPT[i]!;
      expect(verdicts(r), SCRIPT[i]!.name).toEqual(hand);
    });
  });

  it("aggregates them into the hand-worked rates", () => {
    expect(run.metrics).toMatchObject({
      cases: 10,
      failed: 0,
      formatCompliance: 4 / 10, // leading blank line, trailing spaces, lint/js, feat!
      typeAccuracy: 8 / 10, // all but the revert and the empty reply
      typeAccuracyStrict: 7 / 10, // … and the fenced message
      legacy: {
        headerCompliance: 3 / 10, // explanation, duplicated header, trailing spaces
        score: (85 + 100 + 5 + 5 + 100 + 20 + 20 + 20 + 20 + 5) / 10,
        typeAccuracy: 1, // the three valid outputs against their (valid) expected messages
        generations: 10,
        typedPairs: 3,
      },
    });
    expect(run.metrics.score).toBeCloseTo((65 + 80 + 0 + 100 + 100 + 100 + 100 + 100 + 35 + 0) / 10, 12);
    expect(run.metrics.intervals.formatCompliance!.low).toBeCloseTo(0.168, 3); // Wilson, 4 of 10
    expect(run.metrics.intervals.formatCompliance!.high).toBeCloseTo(0.687, 3);
  });

  it("computes the content metrics on the extracted message", () => {
    const fenced = run.results[2]!;
    expect(fenced).toMatchObject({ type: "docs", strictType: null, scopeMatch: true, bleu: 1, rougeL: 1, editSimilarity: 1 });
    expect(run.results[0]).toMatchObject({ bleu: 1, scopeMatch: true }); // the explanation costs format, not content
    expect(run.results[8]).toMatchObject({ type: null, scopeMatch: false });
  });
});
