/**
 * Export parity (DESIGN §7): the GGUF, run by the embedded llama.cpp, must
 * write what the merged transformers model writes. Greedy generations of both
 * on the same prompts are compared token for token; F16 and Q8_0 must agree
 * on every prompt, a k-quant's agreement rate is reported.
 */
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { join } from "node:path";
import { RunbookError } from "../core/errors.js";
import { readJsonlIfExists } from "../core/jsonl.js";
import { CuratedSchema } from "../core/records.js";
import { renderPrompt } from "../conventional/prompt.js";
import { loadGguf } from "./llama-cpp.js";

/** python/greedy.py's reference.json. */
export const ReferenceSchema = z.object({
  max_new_tokens: z.int(),
  stop_ids: z.array(z.int()),
  generations: z.array(
    z.object({ prompt: z.string(), prompt_ids: z.array(z.int()), ids: z.array(z.int()), text: z.string(), stop: z.string(), margins: z.array(z.number()).optional() }),
  ),
});
export type Reference = z.infer<typeof ReferenceSchema>;

export interface PromptParity {
  prompt: string;
  sameTokens: boolean;
  sameGeneration: boolean;
  /** The generations part where transformers' top two logits were within NEAR_TIE: rounding may pick either. */
  nearTie: boolean;
  expected: string;
  got: string;
}

export interface ParityResult {
  quantization: string;
  file: string;
  matched: number;
  /** Disagreements on a near tie (NEAR_TIE), tolerated for the exact quantizations. */
  ties: number;
  total: number;
  /** Whether this quantization must match exactly (F16, Q8_0) or only reports its agreement (k-quants). */
  exact: boolean;
  prompts: PromptParity[];
}

export const EXACT_QUANTIZATIONS = new Set(["f16", "q8_0"]);
/**
 * A lead of the chosen logit over the runner-up below which 8-bit rounding can
 * swap them (measured on the rehearsal's random tiny model: leads of 0.002–0.09).
 * A disagreement there is a tie, not a broken export; anywhere else it fails.
 */
export const NEAR_TIE = 0.1;

export const readReference = async (file: string): Promise<Reference> => ReferenceSchema.parse(JSON.parse(await readFile(file, "utf8")));

/** The generated ids without the stop token that ended them: llama.cpp reports that one as a stop, not a token. */
const withoutStop = (ids: number[], stops: number[]) => (ids.length && stops.includes(ids.at(-1)!) ? ids.slice(0, -1) : ids);

export async function checkParity(file: string, quantization: string, reference: Reference): Promise<ParityResult> {
  const model = await loadGguf(file);
  const prompts: PromptParity[] = [];
  try {
    for (const item of reference.generations) {
      const completion = await model.complete(item.prompt, { maxTokens: reference.max_new_tokens, temperature: 0, topP: 1, seed: 0, stop: [] });
      const expected = withoutStop(item.ids, reference.stop_ids);
      const got = withoutStop(completion.tokens, reference.stop_ids);
      const split = firstDifference(got, expected);
      prompts.push({
        prompt: item.prompt,
        sameTokens: JSON.stringify(model.tokenize(item.prompt)) === JSON.stringify(item.prompt_ids),
        sameGeneration: split === undefined,
        nearTie: split !== undefined && (item.margins?.[split] ?? Infinity) < NEAR_TIE,
        expected: item.text,
        got: completion.text,
      });
    }
  } finally {
    await model.close();
  }
  const matched = prompts.filter((p) => p.sameTokens && p.sameGeneration).length;
  const ties = prompts.filter((p) => p.sameTokens && p.nearTie).length;
  return { quantization, file, matched, ties, total: prompts.length, exact: EXACT_QUANTIZATIONS.has(quantization), prompts };
}

/** Where two token lists first differ (a length difference counts, at the end of the shorter); undefined when equal. */
function firstDifference(a: number[], b: number[]): number | undefined {
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i += 1) if (a[i] !== b[i]) return i;
  return undefined;
}

/** An exact quantization that disagrees fails the export, showing both sides of the first disagreement. */
export function assertParity(result: ParityResult): void {
  if (!result.exact || result.matched + result.ties === result.total) return;
  const first = result.prompts.find((p) => !p.sameTokens || (!p.sameGeneration && !p.nearTie))!;
  const what = first.sameTokens ? "generated other tokens" : "tokenized the prompt differently";
  throw new RunbookError(
    `${result.file}: llama.cpp ${what} than transformers on ${result.total - result.matched - result.ties} of ${result.total} prompts (not near a tie).\n` +
      `  transformers: ${JSON.stringify(first.expected)}\n  llama.cpp:    ${JSON.stringify(first.got)}`,
    "The export lost weights, tokenizer or template: re-run 06 with --force; if it persists, report the llama.cpp tag (node_modules/node-llama-cpp/llama/llama.cpp.info.json).",
  );
}

/** The first `count` validation prompts (then training ones), exactly as the model was trained on them. */
export async function parityPrompts(datasetDir: string, count: number): Promise<string[]> {
  const examples = [
    ...(await readJsonlIfExists(join(datasetDir, "validation.jsonl"), CuratedSchema)),
    ...(await readJsonlIfExists(join(datasetDir, "train.jsonl"), CuratedSchema)),
  ];
  return examples.slice(0, count).map((e) => renderPrompt(e.instruction, e.input));
}

/** Every GGUF the export wrote, checked against the reference; the first exact one that disagrees throws. */
export async function checkExportParity(files: Record<string, string>, referenceFile: string): Promise<ParityResult[]> {
  const reference = await readReference(referenceFile);
  const results: ParityResult[] = [];
  for (const [quantization, file] of Object.entries(files)) {
    const result = await checkParity(file, quantization, reference);
    assertParity(result);
    results.push(result);
  }
  return results;
}
