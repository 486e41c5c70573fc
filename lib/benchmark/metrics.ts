/**
 * The metrics of DESIGN §6, per case and per run. Every rate is over all N
 * cases: a failed generation or an empty output is a miss, never dropped.
 */
import { z } from "zod";
import { cleanExpectedMessage, headerOf, isHeaderCompliant, lintCommitMessage, parseHeader, typeOf } from "../conventional/parser.js";
import { rubricScore } from "../conventional/rubric.js";
import { bNormBleu, editSimilarity, rougeL } from "./similarity.js";
import { mean, percentile } from "./stats.js";

export const CaseScoresSchema = z.object({
  /** Passes commitlint (config-conventional, its parser preset, defaultIgnores false) as returned. */
  valid: z.boolean(),
  /** The first line matches `type(scope)?!?: description` with a configured type. */
  headerCompliant: z.boolean(),
  /** The header (first line, after any leading empty lines) is at most 72 characters. */
  header72: z.boolean(),
  /** The output's type, lower case; null when no type parses. */
  type: z.string().nullable(),
  expectedType: z.string().nullable(),
  typeCorrect: z.boolean(),
  /** The original 0–100 rubric. */
  score: z.number(),
  scopeMatch: z.boolean(),
  bleu: z.number(),
  rougeL: z.number(),
  editSimilarity: z.number(),
});
export type CaseScores = z.infer<typeof CaseScoresSchema>;

/** What a generator returns for one case; `error` set means the generation failed (a miss). */
export const GenerationSchema = z.object({
  output: z.string(),
  /** Structured mode: the model's JSON before it was rendered into a message. */
  rawOutput: z.string().nullable(),
  error: z.string().nullable(),
  latencyMs: z.number().nullable(),
  outputTokens: z.int().nullable(),
  tokensPerSecond: z.number().nullable(),
});
export type Generation = z.infer<typeof GenerationSchema>;

export const CaseResultSchema = z.object({ id: z.string(), expectedMessage: z.string(), ...GenerationSchema.shape, ...CaseScoresSchema.shape });
export type CaseResult = z.infer<typeof CaseResultSchema>;

export const NO_TYPE = "(none)";

export const RunMetricsSchema = z.object({
  cases: z.int(),
  failed: z.int(),
  formatCompliance: z.number(),
  headerCompliance: z.number(),
  header72: z.number(),
  typeAccuracy: z.number(),
  /** Type accuracy among outputs whose type parses (the original harness's denominator); null when none does. */
  typeAccuracyValid: z.number().nullable(),
  score: z.number(),
  scopeMatch: z.number(),
  bleu: z.number(),
  rougeL: z.number(),
  editSimilarity: z.number(),
  latencyP50Ms: z.number().nullable(),
  latencyP95Ms: z.number().nullable(),
  /** Mean of the per-case output tokens per second. */
  tokensPerSecond: z.number().nullable(),
  /** expected type → output type → count; NO_TYPE where none parses. */
  confusion: z.record(z.string(), z.record(z.string(), z.int())),
});
export type RunMetrics = z.infer<typeof RunMetricsSchema>;

/** The description of a parsable header; otherwise the whole header line, which is what a user would have to edit. */
const descriptionOf = (message: string) => parseHeader(message)?.description ?? headerOf(message);
const scopeOf = (message: string) => parseHeader(message)?.scope?.toLowerCase() ?? null;

export async function scoreCase(expectedMessage: string, generation: Pick<Generation, "output" | "error">, types: string[]): Promise<CaseScores> {
  const expected = cleanExpectedMessage(expectedMessage);
  const expectedType = typeOf(expected);
  const output = generation.error === null ? generation.output : "";
  if (output.trim() === "") {
    const miss = { valid: false, headerCompliant: false, header72: false, typeCorrect: false, scopeMatch: false };
    return { ...miss, type: null, expectedType, score: 0, bleu: 0, rougeL: 0, editSimilarity: 0 };
  }
  const type = typeOf(output);
  const parses = parseHeader(output) !== null;
  const description = descriptionOf(output);
  const expectedDescription = descriptionOf(expected);
  return {
    valid: (await lintCommitMessage(output, types)).valid,
    headerCompliant: isHeaderCompliant(output, types),
    header72: headerOf(output).length <= 72,
    type,
    expectedType,
    typeCorrect: type !== null && type === expectedType,
    score: rubricScore(output, types).score,
    scopeMatch: parses && scopeOf(output) === scopeOf(expected),
    bleu: bNormBleu(description, expectedDescription),
    rougeL: rougeL(description, expectedDescription),
    editSimilarity: editSimilarity(description, expectedDescription),
  };
}

const rate = (results: CaseResult[], passed: (r: CaseResult) => boolean) =>
  results.length === 0 ? 0 : results.filter(passed).length / results.length;
const average = (results: CaseResult[], value: (r: CaseResult) => number) => mean(results.map(value)) ?? 0;
const present = (values: Array<number | null>) => values.filter((v): v is number => v !== null);

export function aggregateMetrics(results: CaseResult[]): RunMetrics {
  const typed = results.filter((r) => r.type !== null);
  const latencies = present(results.map((r) => r.latencyMs));
  const confusion: RunMetrics["confusion"] = {};
  for (const r of results) {
    const row = (confusion[r.expectedType ?? NO_TYPE] ??= {});
    row[r.type ?? NO_TYPE] = (row[r.type ?? NO_TYPE] ?? 0) + 1;
  }
  return {
    cases: results.length,
    failed: results.filter((r) => r.error !== null).length,
    formatCompliance: rate(results, (r) => r.valid),
    headerCompliance: rate(results, (r) => r.headerCompliant),
    header72: rate(results, (r) => r.header72),
    typeAccuracy: rate(results, (r) => r.typeCorrect),
    typeAccuracyValid: typed.length ? rate(typed, (r) => r.typeCorrect) : null,
    score: average(results, (r) => r.score),
    scopeMatch: rate(results, (r) => r.scopeMatch),
    bleu: average(results, (r) => r.bleu),
    rougeL: average(results, (r) => r.rougeL),
    editSimilarity: average(results, (r) => r.editSimilarity),
    latencyP50Ms: percentile(latencies, 50),
    latencyP95Ms: percentile(latencies, 95),
    tokensPerSecond: mean(present(results.map((r) => r.tokensPerSecond))),
    confusion,
  };
}
