/**
 * The metrics of DESIGN §6, per case and per run. Every rate is over all N
 * cases: a failed generation or an empty output is a miss, never dropped
 * (the plan-comparable `legacy` figures follow their own harness's rules).
 *
 * An output is read three ways:
 * - cleaned (`stripspace`, what `git commit` would store): formatCompliance,
 *   headerCompliance, header72, our score, typeAccuracyStrict;
 * - the message extracted from it (`extractMessage`: the first header, fences
 *   and preamble skipped): typeAccuracy, scopeMatch, BLEU, ROUGE-L, edit similarity;
 * - as returned: the legacy figures, which the original harness computed so.
 */
import { z } from "zod";
import { cleanCommitMessage, headerOf, isHeaderCompliant, lintCommitMessage, parseHeader, stripspace, typeOf } from "../conventional/parser.js";
import { extractMessage, messageProblems } from "../conventional/message.js";
import { rubricScore } from "../conventional/rubric.js";
import { LegacyCaseSchema, LegacyMetricsSchema, aggregateLegacy, legacyCase } from "./legacy.js";
import { bNormBleu, editSimilarity, rougeL } from "./similarity.js";
import { mean, percentile, wilsonInterval } from "./stats.js";

/** Bump on any change to how a case is scored: it enters the run id, so stored runs are never mixed with new scores. */
export const SCORING_VERSION = 2;

export const CaseScoresSchema = z.object({
  /** formatCompliance: the cleaned output is exactly one message and passes commitlint (config-conventional, its parser preset, defaultIgnores false). */
  valid: z.boolean(),
  /** Why the cleaned output is not exactly one message (`messageProblems` rules); empty when it is one. */
  problems: z.array(z.string()),
  /** The cleaned output's first line matches `type(scope)?!?: description` with a configured type. */
  headerCompliant: z.boolean(),
  /** The cleaned output's header is at most 72 characters. */
  header72: z.boolean(),
  /** The extracted message's type, lower case; null when no type parses. */
  type: z.string().nullable(),
  expectedType: z.string().nullable(),
  typeCorrect: z.boolean(),
  /** The type of the cleaned output as returned (no extraction), lower case. */
  strictType: z.string().nullable(),
  typeCorrectStrict: z.boolean(),
  /** Our 0–100 rubric on the cleaned output. */
  score: z.number(),
  scopeMatch: z.boolean(),
  bleu: z.number(),
  rougeL: z.number(),
  editSimilarity: z.number(),
  /** The original harness's verdicts on the output as returned. */
  legacy: LegacyCaseSchema,
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
  /** Few-shot runs: the ids of the training examples put in the prompt, most similar first. */
  examples: z.array(z.string()).optional(),
});
export type Generation = z.infer<typeof GenerationSchema>;

export const CaseResultSchema = z.object({ id: z.string(), expectedMessage: z.string(), ...GenerationSchema.shape, ...CaseScoresSchema.shape });
export type CaseResult = z.infer<typeof CaseResultSchema>;

export const NO_TYPE = "(none)";

const IntervalSchema = z.object({ low: z.number(), high: z.number() });

export const RunMetricsSchema = z.object({
  cases: z.int(),
  failed: z.int(),
  formatCompliance: z.number(),
  headerCompliance: z.number(),
  header72: z.number(),
  typeAccuracy: z.number(),
  /** Type accuracy on the cleaned output as returned, without extraction. */
  typeAccuracyStrict: z.number(),
  /** Type accuracy among outputs whose (extracted) type parses; null when none does. */
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
  /** The plan-comparable figures of the original harness (legacy.ts). */
  legacy: LegacyMetricsSchema,
  /** 95% Wilson interval of every rate, by metric id (`formatCompliance`, `legacy.headerCompliance`, …); null for an empty denominator. */
  intervals: z.record(z.string(), IntervalSchema.nullable()),
});
export type RunMetrics = z.infer<typeof RunMetricsSchema>;

/** The description of a parsable header; otherwise the whole header line, which is what a user would have to edit. */
const descriptionOf = (message: string) => parseHeader(message)?.description ?? headerOf(message);
const scopeOf = (message: string) => parseHeader(message)?.scope?.toLowerCase() ?? null;

export async function scoreCase(expectedMessage: string, generation: Pick<Generation, "output" | "error">, types: string[]): Promise<CaseScores> {
  const expected = cleanCommitMessage(expectedMessage);
  const expectedType = typeOf(expected);
  const returned = generation.error === null ? generation.output : "";
  const cleaned = stripspace(returned);
  const legacy = legacyCase(returned);
  if (cleaned === "") {
    const miss = { valid: false, headerCompliant: false, header72: false, typeCorrect: false, typeCorrectStrict: false, scopeMatch: false };
    return { ...miss, problems: ["empty"], type: null, strictType: null, expectedType, score: 0, bleu: 0, rougeL: 0, editSimilarity: 0, legacy };
  }
  const problems = messageProblems(cleaned, types).map((p) => p.rule);
  const message = extractMessage(cleaned, types);
  const type = typeOf(message);
  const strictType = typeOf(cleaned);
  const description = descriptionOf(message);
  const expectedDescription = descriptionOf(expected);
  return {
    valid: problems.length === 0 && (await lintCommitMessage(cleaned, types)).valid,
    problems,
    headerCompliant: isHeaderCompliant(cleaned, types),
    header72: headerOf(cleaned).length <= 72,
    type,
    expectedType,
    typeCorrect: type !== null && type === expectedType,
    strictType,
    typeCorrectStrict: strictType !== null && strictType === expectedType,
    score: rubricScore(cleaned, types).score,
    scopeMatch: parseHeader(message) !== null && scopeOf(message) === scopeOf(expected),
    bleu: bNormBleu(description, expectedDescription),
    rougeL: rougeL(description, expectedDescription),
    editSimilarity: editSimilarity(description, expectedDescription),
    legacy,
  };
}

const count = (results: readonly CaseResult[], passed: (r: CaseResult) => boolean) => results.filter(passed).length;
const average = (results: CaseResult[], value: (r: CaseResult) => number) => mean(results.map(value)) ?? 0;
const present = (values: Array<number | null>) => values.filter((v): v is number => v !== null);

export function aggregateMetrics(results: CaseResult[]): RunMetrics {
  const n = results.length;
  const typed = results.filter((r) => r.type !== null);
  const latencies = present(results.map((r) => r.latencyMs));
  const confusion: RunMetrics["confusion"] = {};
  for (const r of results) {
    const row = (confusion[r.expectedType ?? NO_TYPE] ??= {});
    row[r.type ?? NO_TYPE] = (row[r.type ?? NO_TYPE] ?? 0) + 1;
  }
  const legacy = aggregateLegacy(
    results.map((r) => ({ failed: r.error !== null, legacy: r.legacy, expectedLegacy: legacyCase(cleanCommitMessage(r.expectedMessage)) })),
  );
  const passes = {
    formatCompliance: count(results, (r) => r.valid),
    headerCompliance: count(results, (r) => r.headerCompliant),
    header72: count(results, (r) => r.header72),
    typeAccuracy: count(results, (r) => r.typeCorrect),
    typeAccuracyStrict: count(results, (r) => r.typeCorrectStrict),
    scopeMatch: count(results, (r) => r.scopeMatch),
  };
  const rates = Object.fromEntries(Object.entries(passes).map(([key, k]) => [key, n === 0 ? 0 : k / n])) as Record<keyof typeof passes, number>;
  const typedCorrect = count(typed, (r) => r.typeCorrect);
  return {
    cases: n,
    failed: results.filter((r) => r.error !== null).length,
    ...rates,
    typeAccuracyValid: typed.length ? typedCorrect / typed.length : null,
    score: average(results, (r) => r.score),
    bleu: average(results, (r) => r.bleu),
    rougeL: average(results, (r) => r.rougeL),
    editSimilarity: average(results, (r) => r.editSimilarity),
    latencyP50Ms: percentile(latencies, 50),
    latencyP95Ms: percentile(latencies, 95),
    tokensPerSecond: mean(present(results.map((r) => r.tokensPerSecond))),
    confusion,
    legacy,
    intervals: {
      ...Object.fromEntries(Object.entries(passes).map(([key, k]) => [key, wilsonInterval(k, n)])),
      typeAccuracyValid: wilsonInterval(typedCorrect, typed.length),
      // Share × denominator gives back the (integer) count exactly; round() only absorbs float error.
      "legacy.headerCompliance": wilsonInterval(Math.round(legacy.headerCompliance * legacy.generations), legacy.generations),
      "legacy.typeAccuracy": wilsonInterval(Math.round((legacy.typeAccuracy ?? 0) * legacy.typedPairs), legacy.typedPairs),
    },
  };
}
