import { describe, expect, it } from "vitest";
import { LeakageError, assertNoLeakage, findLeaks } from "../../lib/curate/leakage.js";
import { benchmarkCase, syntheticDiff, withOneLineChanged } from "../helpers/labeled.js";

const example = (id: string, diff: string, commitHash = "1".repeat(40)) => ({ id, diff, commitHash });

describe("leakage into the benchmark", () => {
  const caseDiff = syntheticDiff(42, { files: 3, hunksPerFile: 2, linesPerHunk: 10 });
  const cases = [benchmarkCase("angular-0001", caseDiff, "abcdef1234567890abcdef1234567890abcdef12"), benchmarkCase("angular-0002", syntheticDiff(43))];

  it("is a hard error naming both ids when a labeled diff equals a benchmark case's diff", () => {
    const examples = [example("vue-0001", syntheticDiff(1)), example("vue-0002", caseDiff)];
    expect(() => assertNoLeakage(examples, cases, 0.8)).toThrow(LeakageError);
    try {
      assertNoLeakage(examples, cases, 0.8);
    } catch (error) {
      expect((error as LeakageError).message).toContain("training example vue-0002 ↔ benchmark case angular-0001: identical diff");
      expect((error as LeakageError).leaks).toHaveLength(1);
      expect((error as LeakageError).hint).toMatch(/benchmark source must not be a training source/);
    }
  });

  it("catches a shared commit (also abbreviated) and a near-identical diff", () => {
    const leaks = findLeaks(
      [example("vite-0003", syntheticDiff(3), "abcdef1"), example("vite-0004", withOneLineChanged(caseDiff)), example("vite-0005", syntheticDiff(5))],
      cases,
      0.8,
    );
    expect(leaks.map((l) => [l.exampleId, l.caseId, l.reason])).toEqual([
      ["vite-0003", "angular-0001", "same commit"],
      ["vite-0004", "angular-0001", "near-identical diff"],
    ]);
    expect(leaks[1]!.similarity).toBeGreaterThan(0.8);
  });

  it("passes examples that share nothing with the cases", () => {
    expect(() => assertNoLeakage([example("a", syntheticDiff(7)), example("b", syntheticDiff(8))], cases, 0.8)).not.toThrow();
    expect(findLeaks([example("a", caseDiff)], [], 0.8)).toEqual([]);
  });
});
