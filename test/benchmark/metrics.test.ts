import { DEFAULT_CONFIG } from "../../runbook/00-config.js";
import { describe, expect, it } from "vitest";
import { aggregateMetrics, scoreCase } from "../../lib/benchmark/metrics.js";

const ok = (output: string) => ({ output, error: null });

describe("scoreCase", () => {
  it("counts a failed generation and a blank output as a miss on every metric", async () => {
    const miss = { valid: false, headerCompliant: false, header72: false, typeCorrect: false, scopeMatch: false, score: 0, bleu: 0, rougeL: 0, editSimilarity: 0, type: null };
    expect(await scoreCase("fix: x", { output: "fix: x", error: "500 llama runner crashed" }, DEFAULT_CONFIG.conventional.types)).toMatchObject({ ...miss, expectedType: "fix" });
    expect(await scoreCase("fix: x", ok(" \n\t"), DEFAULT_CONFIG.conventional.types)).toMatchObject(miss);
  });

  it("compares against the expected message without what a diff cannot predict", async () => {
    const expected = "fix(core): guard against null refs (#5120)\n\nLong story.\n\nSigned-off-by: A <a@b.c>";
    const scores = await scoreCase(expected, ok("fix(Core): guard against null refs\n\nShort story."), DEFAULT_CONFIG.conventional.types);
    // The scope compares case-insensitively; similarity is on the description of the header only.
    expect(scores).toMatchObject({ valid: true, typeCorrect: true, scopeMatch: true, bleu: 1, rougeL: 1, editSimilarity: 1 });
  });

  it("handles types outside the configured list on either side", async () => {
    // vitejs/vite uses `release:`: the type still matches, but it is not a configured type.
    const scores = await scoreCase("release: v5.2.0", ok("release: v5.2.0"), DEFAULT_CONFIG.conventional.types);
    expect(scores).toMatchObject({ type: "release", expectedType: "release", typeCorrect: true, valid: false, headerCompliant: false, scopeMatch: true });
    expect(await scoreCase("Merge branch 'main'", ok("chore: merge main"), DEFAULT_CONFIG.conventional.types)).toMatchObject({ expectedType: null, typeCorrect: false });
  });
});

describe("aggregateMetrics", () => {
  it("is all zeros and nulls for no cases", () => {
    const none = { formatCompliance: null, headerCompliance: null, header72: null, typeAccuracy: null, typeAccuracyStrict: null, scopeMatch: null };
    expect(aggregateMetrics([])).toEqual({
      cases: 0, failed: 0, formatCompliance: 0, headerCompliance: 0, header72: 0, typeAccuracy: 0, typeAccuracyStrict: 0, typeAccuracyValid: null,
      score: 0, scopeMatch: 0, bleu: 0, rougeL: 0, editSimilarity: 0, latencyP50Ms: null, latencyP95Ms: null, tokensPerSecond: null, confusion: {},
      legacy: { headerCompliance: 0, score: 0, typeAccuracy: null, generations: 0, typedPairs: 0 },
      intervals: { ...none, typeAccuracyValid: null, "legacy.headerCompliance": null, "legacy.typeAccuracy": null },
    });
  });
});
