import { describe, expect, it } from "vitest";
import { bNormBleu, editSimilarity, rougeL } from "../../lib/benchmark/similarity.js";

const geometricMean = (...precisions: number[]) => precisions.reduce((p, x) => p * x, 1) ** (1 / precisions.length);

describe("B-Norm BLEU", () => {
  it("is 1 for the same text, whatever the case and spacing of punctuation", () => {
    expect(bNormBleu("add support for arrays", "add support for arrays")).toBe(1);
    expect(bNormBleu("Fix: the bug.", "fix : the bug .")).toBe(1);
  });

  it("is 0 without a common word (no smoothing on unigrams)", () => {
    // The script adds the smallest normal double inside log(0): exp(log(2.2e-308) / 4) ≈ 1e-77, not an exact 0.
    expect(bNormBleu("update readme", "handle null response")).toBeLessThan(1e-70);
  });

  it("smooths orders 2–4 by adding one (Lin & Och 2004)", () => {
    // Unigrams 3/4; bigrams (2+1)/(3+1); trigrams (1+1)/(2+1); 4-grams (0+1)/(1+1); equal lengths: no penalty.
    expect(bNormBleu("add support for lists", "add support for arrays")).toBeCloseTo(geometricMean(3 / 4, 3 / 4, 2 / 3, 1 / 2), 14);
  });

  it("penalises a short candidate with the script's exp(1 − (r + 1) / (c + 1))", () => {
    // Every n-gram of "add support" matches (higher orders 1/1 after smoothing); r = 4, c = 2.
    expect(bNormBleu("add support", "add support for arrays")).toBeCloseTo(Math.exp(1 - 5 / 3), 14);
  });

  it("matches the reference bleu.py (MCMD's B-Norm) on punctuation, digits and entities", () => {
    // Values printed by the original Python script for the same pairs.
    expect(bNormBleu("Fix the parser (#12) for 1.5-style inputs", "fix parser for 1.5 inputs")).toBeCloseTo(0.2722589423069702, 14);
    expect(bNormBleu("add x_y & z, don't", "Add X_Y and z")).toBeCloseTo(0.35930411196308415, 14);
  });
});

describe("ROUGE-L F1", () => {
  it("is the F-measure of the longest common subsequence of words", () => {
    // LCS "add support" = 2; P = 2/4, R = 2/3; F = 2PR / (P + R) = 4/7.
    expect(rougeL("add support for arrays", "add array support")).toBeCloseTo(4 / 7, 14);
    expect(rougeL("Handle missing config file.", "handle missing config file")).toBe(1);
    expect(rougeL("", "anything")).toBe(0);
    expect(rougeL("one two", "three four")).toBe(0);
  });
});

describe("edit similarity", () => {
  it("is 1 − Levenshtein distance / longer length, case-sensitive", () => {
    expect(editSimilarity("kitten", "sitting")).toBeCloseTo(1 - 3 / 7, 14);
    expect(editSimilarity("Add", "add")).toBeCloseTo(2 / 3, 14);
    expect(editSimilarity("", "")).toBe(1);
    expect(editSimilarity("", "abc")).toBe(0);
    expect(editSimilarity("héllo", "hello")).toBeCloseTo(4 / 5, 14); // code points, not UTF-16 units
  });
});
