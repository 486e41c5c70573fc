/**
 * The checks 07 runs on the model it created: does the template Ollama holds
 * render our training prompt (it may have swapped in the GGUF's own chat
 * template), and what does the model write for one validation diff when
 * given the exact training prompt with `raw: true`?
 */
import type { Ollama } from "ollama";
import { z } from "zod";
import { errorMessage } from "../core/errors.js";
import { TemplateError, renderGeneratePrompt } from "./template.js";
import { renderPrompt } from "../conventional/prompt.js";
import type { Curated } from "../core/records.js";

export interface TemplateCheck {
  ok: boolean;
  detail: string;
}

export interface SmokeOutput {
  output: string;
  latencyMs: number;
  evalCount?: number;
}

/** Renders `/api/show`'s template with Ollama's semantics and compares it with the training prompt, byte for byte. */
export async function checkServedTemplate(client: Ollama, model: string, instruction: string, input: string): Promise<TemplateCheck> {
  const show = await client.show({ model });
  const expected = renderPrompt(instruction, input);
  let served: string;
  try {
    served = renderGeneratePrompt(show.template, { prompt: input, modelSystem: show.system });
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    return { ok: false, detail: `Ollama serves ${model} with a template that is not the training frame (${errorMessage(error)})` };
  }
  if (served === expected) return { ok: true, detail: `the template Ollama holds renders the training prompt (${Buffer.byteLength(served)} bytes)` };
  let where = 0;
  while (where < served.length && served[where] === expected[where]) where += 1;
  return {
    ok: false,
    detail: `the served prompt differs from the training prompt at character ${where}: ${JSON.stringify(served.slice(where, where + 40))} vs ${JSON.stringify(expected.slice(where, where + 40))}`,
  };
}

/** One generation with the exact training prompt; `raw` so that no template resolution can change it. */
export async function generateRaw(client: Ollama, model: string, prompt: string, numPredict: number): Promise<SmokeOutput> {
  const started = Date.now();
  const response = await client.generate({ model, prompt, raw: true, stream: false, options: { num_predict: numPredict } });
  return { output: response.response ?? "", latencyMs: Date.now() - started, evalCount: response.eval_count };
}

export const SmokeResultSchema = z.object({
  id: z.string(),
  output: z.string(),
  /** Passes commitlint's config-conventional with the configured types, as 08's formatCompliance counts it. */
  valid: z.boolean(),
  errors: z.array(z.string()),
  latencyMs: z.number(),
});
export type SmokeResult = z.infer<typeof SmokeResultSchema>;

/** Generates for one validation example with its exact training prompt and lints what comes back, as it comes back. */
export async function smokeTest(
  client: Ollama,
  model: string,
  example: Curated,
  options: { numPredict: number; types: string[] },
): Promise<SmokeResult> {
  const { output, latencyMs } = await generateRaw(client, model, renderPrompt(example.instruction, example.input), options.numPredict);
  const { lintCommitMessage } = await import("../conventional/parser.js");
  const lint = await lintCommitMessage(output, options.types);
  return { id: example.metadata.id, output, valid: lint.valid, errors: lint.errors, latencyMs };
}

/** Ollama's size for a model name as `list` reports it (`joco` is `joco:latest`). */
export async function installedSize(client: Ollama, model: string): Promise<number | undefined> {
  const name = model.includes(":") ? model : `${model}:latest`;
  return (await client.list()).models.find((m) => m.name === name)?.size;
}
