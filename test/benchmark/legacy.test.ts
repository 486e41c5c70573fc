import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { aggregateLegacy, legacyCase } from "../../lib/benchmark/legacy.js";
import { executeRun } from "../../lib/benchmark/runs.js";
import { createReferenceGenerator } from "../../lib/benchmark/generators/reference.js";
import { cleanCommitMessage } from "../../lib/conventional/parser.js";
import { DEFAULT_CONFIG } from "../../runbook/00-config.js";
import { tempDir } from "../helpers/process.js";
import { sharedCases } from "../helpers/shared-data.js";

// Each row worked out from DESIGN §6's rules of the original harness: the subject is the first line, trimmed;
// valid iff it matches ^(feat|fix|chore|docs|refactor|test|style|perf|build|ci)(\(([\w.-]+)\))?: (.+)$;
// valid → 30 + description 20 + subject ≤ 72 chars 20 + lower-case description 10; any subject → no final "." 5
// and 30–60 chars 15; − 20 for a description starting with here is | this commit | summarizes? | …; floor 0.
const TABLE: Array<[output: string, valid: boolean, score: number, type: string | null]> = [
  ["feat(parser): add support for arrays", true, 100, "feat"], // 36 chars: every rule
  ["", false, 5, null], // blank: only "no final period"
  ["   \n\t", false, 5, null],
  ["FEAT: add x", false, 5, null], // case-sensitive types
  ["feat!: drop node 16", false, 5, null], // no `!`
  ["fix(lint/js): handle x", false, 5, null], // `/` is not in [\w.-]
  ["fix(@scope/pkg): handle x", false, 5, null],
  ["revert: undo the parser change", false, 20, null], // no `revert` type; 30 chars: 5 + 15
  ['Revert "fix(router): restore hash mode fallback"', false, 20, null], // 48 chars
  ["feat: Add x", true, 75, "feat"], // upper-case description: no 10; 11 chars: no band
  ["fix: handle the missing config file.", true, 95, "fix"], // 36 chars, final period
  ["feat: here is the new parser for arrays", true, 80, "feat"], // 39 chars, − 20
  ["feat: This commit adds a parser", true, 70, "feat"], // 31 chars, upper case, − 20 (case-blind)
  ["feat: summarizes the change", true, 65, "feat"], // 27 chars, − 20
  ["Here is the commit message: feat: x", false, 20, null], // not valid, so no description to penalise; 35 chars
  ["\nfeat: add x", false, 5, null], // the first line is empty
  ["  feat: add support for arrays  \n\nbody", true, 85, "feat"], // trimmed: 28 chars
  [`feat(api): ${"a".repeat(70)}`, true, 65, "feat"], // 81 chars: neither ≤ 72 nor the band
  ["docs(readme.md): fix typo", true, 85, "docs"], // `.` is allowed in the scope
  ["feat:  double space", true, 75, "feat"], // description " double space": a space is not lower case
  ["feat: émoji in the description", true, 100, "feat"], // é is lower case (Character.isLowerCase); 30 chars
  ["fix(ünïcode): x", false, 5, null], // Java's \w is ASCII
  ["feat: add x\u0085more", false, 5, null], // Java's `.` stops at U+0085
  ["chore: bump deps.", true, 80, "chore"],
  [`feat: ${"x".repeat(54)}`, true, 100, "feat"], // 60 chars: the band's edge
  [`feat: ${"x".repeat(55)}`, true, 85, "feat"], // 61 chars
  ["feat: x\r\n", true, 85, "feat"], // trailing \r trimmed
];

describe("legacyCase: the original harness's rules", () => {
  it.each(TABLE)("%j → valid %s, score %i", (output, valid, score, type) => {
    expect(legacyCase(output)).toEqual({ valid, score, type });
  });
});

describe("aggregateLegacy", () => {
  const gen = (output: string, expected: string, failed = false) => ({ failed, legacy: legacyCase(output), expectedLegacy: legacyCase(expected) });
  it("averages over successful generations and compares types where both messages are valid", () => {
    const metrics = aggregateLegacy([
      gen("feat: add support for arrays here", "feat: add arrays"), // valid, 100 — both valid, same type
      gen("fix: add support for arrays here", "feat: add arrays"), // valid, 100 — both valid, other type
      gen("FEAT: add x", "feat: add x"), // invalid, 5 — not counted for type
      gen("feat: add x", "feat!: add x"), // valid, 85 — expected invalid: not counted for type
      gen("", "fix: y", true), // failed: left out of everything
    ]);
    expect(metrics).toEqual({ headerCompliance: 3 / 4, score: (100 + 100 + 5 + 85) / 4, typeAccuracy: 1 / 2, generations: 4, typedPairs: 2 });
    expect(aggregateLegacy([gen("", "fix: y", true)])).toEqual({ headerCompliance: 0, score: 0, typeAccuracy: null, generations: 0, typedPairs: 0 });
  });
});

// An independent reading of the Java regex: Python's `re` (ASCII \w), on subjects split and trimmed as Java does.
const PYTHON_CHECK = String.raw`
import json, re, sys
pattern = re.compile(r"^(feat|fix|chore|docs|refactor|test|style|perf|build|ci)(\(([\w.-]+)\))?: (.+)$", re.ASCII)
java_whitespace = "".join(chr(c) for c in range(33))
outputs = [json.loads(line) for line in sys.stdin if line.strip()]
valid = [bool(pattern.match(o.split("\n")[0].strip(java_whitespace))) for o in outputs]
print(json.dumps({"valid": sum(valid), "n": len(outputs)}))
`;
const cases = sharedCases();
const python = (() => {
  try {
    execFileSync("python3", ["-c", "import re"]);
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(cases.length === 0 || !python)("legacy headerCompliance on the real case files of ../shared/data", () => {
  it("equals Python's re over the expected messages taken as outputs", async () => {
    const { run } = await executeRun({
      dir: await tempDir(),
      generator: createReferenceGenerator(),
      cases: cases.map(({ file: _file, ...c }) => ({ ...c, metadata: {} })),
      casesFile: "shared/data",
      types: DEFAULT_CONFIG.conventional.types,
      concurrency: 8,
      signal: new AbortController().signal,
    });
    const outputs = cases.map((c) => JSON.stringify(cleanCommitMessage(c.expectedMessage))).join("\n");
    const independent = JSON.parse(execFileSync("python3", ["-c", PYTHON_CHECK], { input: outputs, encoding: "utf8" })) as { valid: number; n: number };
    expect(independent.n).toBe(cases.length);
    expect(run.metrics.legacy.generations).toBe(cases.length);
    expect(run.metrics.legacy.headerCompliance).toBeCloseTo(independent.valid / independent.n, 12);
    // Real messages break the Java regex often enough for the check to mean something (`!`, `/` scopes, other types).
    expect(independent.valid).toBeLessThan(cases.length * 0.97);
    expect(independent.valid).toBeGreaterThan(cases.length * 0.8);
  }, 120_000);
});
