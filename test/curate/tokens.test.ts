import { describe, expect, it } from "vitest";
import { renderTrainingText } from "../../lib/conventional/prompt.js";
import { SAFETY_MARGIN_TOKENS, diffTokenBudget, estimateTokens, fitDiffToTokens, fitExampleToBudget } from "../../lib/curate/tokens.js";
import { syntheticDiff } from "../helpers/labeled.js";

const INSTRUCTION = "Write a Conventional Commit message for this git diff.";

describe("estimateTokens", () => {
  it("charges every digit, every punctuation pair and every short word at least one token", () => {
    expect(estimateTokens("")).toBe(0);
    expect(estimateTokens("1234567890")).toBe(10);
    expect(estimateTokens("a b c")).toBe(3);
    expect(estimateTokens("});")).toBe(2);
    expect(estimateTokens("x".repeat(300))).toBeGreaterThanOrEqual(100);
  });

  it("is additive enough that a longer text never costs fewer tokens", () => {
    const diff = syntheticDiff(7, { files: 3 });
    expect(estimateTokens(diff + diff)).toBeGreaterThanOrEqual(2 * estimateTokens(diff) - 2);
  });
});

describe("fitExampleToBudget", () => {
  it("leaves a diff that fits untouched", () => {
    const diff = syntheticDiff(4);
    const fitted = fitExampleToBudget(INSTRUCTION, diff, "fix: x", { maxSeqLength: 2048, maxMessageTokens: 128 });
    expect(fitted).toMatchObject({ input: diff, truncated: false });
  });

  it("truncates the diff, never the answer, so prompt + answer + EOS fit maxSeqLength", () => {
    const diff = syntheticDiff(5, { files: 6, hunksPerFile: 6, linesPerHunk: 20 });
    const output = "feat(parser): accept trailing commas in object literals";
    const fitted = fitExampleToBudget(INSTRUCTION, diff, output, { maxSeqLength: 1024, maxMessageTokens: 128 });
    if (typeof fitted === "string") throw new Error(fitted);
    expect(fitted.truncated).toBe(true);
    expect(fitted.input.length).toBeLessThan(diff.length);
    expect(estimateTokens(renderTrainingText(INSTRUCTION, fitted.input, output, "")) + 1).toBeLessThanOrEqual(1024);
    expect(fitted.tokens).toBeLessThanOrEqual(1024 - SAFETY_MARGIN_TOKENS);
    expect(fitted.input.length).toBeGreaterThan(1000);
  });

  it("refuses an answer over the message cap, and a sequence too short for any diff", () => {
    const long = fitExampleToBudget(INSTRUCTION, syntheticDiff(6), `fix: x\n\n${"word ".repeat(400)}`, { maxSeqLength: 4096, maxMessageTokens: 128 });
    expect(long).toMatch(/more than curation\.maxMessageTokens \(128\)/);
    expect(fitExampleToBudget(INSTRUCTION, syntheticDiff(6), "fix: x", { maxSeqLength: 200, maxMessageTokens: 128 })).toMatch(/under 64/);
  });

  it("cuts every diff to one budget, whatever the answer's length", () => {
    const diff = syntheticDiff(8, { files: 5, hunksPerFile: 6, linesPerHunk: 20 });
    const limits = { maxSeqLength: 1024, maxMessageTokens: 128 };
    const short = fitExampleToBudget(INSTRUCTION, diff, "fix: x", limits);
    const longer = fitExampleToBudget(INSTRUCTION, diff, `fix: x\n\n${"word ".repeat(60)}`, limits);
    if (typeof short === "string" || typeof longer === "string") throw new Error("not fitted");
    const budget = diffTokenBudget(INSTRUCTION, 1024, 128);
    expect(short.input).toBe(longer.input);
    expect(short.input).toBe(fitDiffToTokens(diff, budget).diff);
    expect(estimateTokens(short.input)).toBeLessThanOrEqual(budget);
    expect(estimateTokens(short.input)).toBeGreaterThan(budget * 0.6); // whole hunks of 20 lines: coarse, but not cut to nothing
  });
});
