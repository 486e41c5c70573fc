/**
 * The checks 07 runs on the model it created: does the template Ollama holds
 * render our training prompt (it may have swapped in the GGUF's own chat
 * template), and what does the model write for one validation diff when
 * given the exact training prompt with `raw: true`? Without Ollama, the same
 * generation runs on the GGUF through the embedded llama.cpp, with the
 * Modelfile's parameters.
 */
import type { Ollama } from "ollama";
import { z } from "zod";
import { errorMessage } from "../core/errors.js";
import { loadGguf } from "../export/llama-cpp.js";
import { TemplateError, renderGeneratePrompt } from "./template.js";
import type { ServeSpec } from "./modelfile.js";
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

/** Completes the exact training prompt on the GGUF through the embedded llama.cpp, sampling and stopping as the Modelfile says. */
export async function generateWithLlamaCpp(gguf: string, prompt: string, parameters: ServeSpec["parameters"]): Promise<SmokeOutput> {
  const number = (key: string, fallback: number) => (typeof parameters[key] === "number" ? (parameters[key] as number) : fallback);
  const model = await loadGguf(gguf, number("num_ctx", 4096));
  try {
    const { text, tokens, latencyMs } = await model.complete(prompt, {
      maxTokens: number("num_predict", 128),
      temperature: number("temperature", 0),
      topP: number("top_p", 1),
      seed: 0,
      stop: Array.isArray(parameters.stop) ? parameters.stop : [],
    });
    return { output: text, latencyMs: Math.round(latencyMs), evalCount: tokens.length };
  } finally {
    await model.close();
  }
}

export const SmokeResultSchema = z.object({
  /** Who generated: Ollama serving the created model, or the embedded llama.cpp on the GGUF when Ollama was absent. */
  via: z.enum(["ollama", "llama-cpp"]).default("ollama"),
  id: z.string(),
  output: z.string(),
  /** Passes commitlint's config-conventional with the configured types, as 08's formatCompliance counts it. */
  valid: z.boolean(),
  errors: z.array(z.string()),
  latencyMs: z.number(),
});
export type SmokeResult = z.infer<typeof SmokeResultSchema>;

/** Generates for one validation example with its exact training prompt (by Ollama or llama.cpp) and lints what comes back, as it comes back. */
export async function smokeTest(
  via: SmokeResult["via"],
  generate: (prompt: string) => Promise<SmokeOutput>,
  example: Curated,
  types: string[],
): Promise<SmokeResult> {
  const { output, latencyMs } = await generate(renderPrompt(example.instruction, example.input));
  const { lintCommitMessage } = await import("../conventional/parser.js");
  const lint = await lintCommitMessage(output, types);
  return { via, id: example.metadata.id, output, valid: lint.valid, errors: lint.errors, latencyMs };
}

/** Ollama's size for a model name as `list` reports it (`joco` is `joco:latest`). */
export async function installedSize(client: Ollama, model: string): Promise<number | undefined> {
  const name = model.includes(":") ? model : `${model}:latest`;
  return (await client.list()).models.find((m) => m.name === name)?.size;
}
