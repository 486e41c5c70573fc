/**
 * What Ollama serves `joco` with: the training frame as TEMPLATE, the sampling
 * parameters and stop sequences, as data (the API route sends it) and as a
 * Modelfile (the CLI route and the user read it). DESIGN §7: the template is
 * built from lib/conventional/prompt.ts, so training and serving share one definition.
 */
import { RunbookError } from "../core/errors.js";
import { renderPrompt } from "../conventional/prompt.js";
import type { OllamaSettings } from "./settings.js";

export interface ServeSpec {
  template: string;
  /** As /api/create takes them: numbers, and `stop` as a list. */
  parameters: Record<string, number | string[]>;
  /** Only when training used this same text as a system prompt; ours uses none. */
  system?: string;
}

export type ServeConfig = Pick<OllamaSettings, "temperature" | "topP" | "numCtx" | "numPredict" | "stop">;

/** `{{` in a literal would start an action; Go templates print it through a string literal. */
const escapeTemplateText = (text: string) => text.replaceAll("{{", '{{ "{{" }}');

/**
 * The training prompt with `{{ .Prompt }}` as the input, then `{{ .Response }}`:
 * Ollama cuts the template there while generating and fills it in chat history.
 */
export function trainingTemplate(instruction: string): string {
  return `${renderPrompt(escapeTemplateText(instruction), "{{ .Prompt }}")}{{ .Response }}`;
}

/** The frame's own headers stop a model that rambles into a new example; the tokenizer's EOS ends a finished one. */
export function serveParameters(config: ServeConfig, eosToken: string | undefined): ServeSpec["parameters"] {
  const stop = [...new Set([...config.stop, ...(eosToken ? [eosToken] : [])])];
  return { temperature: config.temperature, top_p: config.topP, num_ctx: config.numCtx, num_predict: config.numPredict, stop };
}

export function serveSpec(instruction: string, config: ServeConfig, eosToken: string | undefined): ServeSpec {
  return { template: trainingTemplate(instruction), parameters: serveParameters(config, eosToken) };
}

function tripleQuoted(key: string, text: string): string {
  if (text.includes('"""')) throw new RunbookError(`The ${key} contains """, which a Modelfile cannot quote.`, "Remove it from the text.");
  return `${key} """${text}"""`;
}

function parameterValue(key: string, value: string | number): string {
  if (typeof value === "number") return String(value);
  if (/["\n]/.test(value)) throw new RunbookError(`PARAMETER ${key} ${JSON.stringify(value)} contains a quote or newline.`, "Use a stop sequence without them.");
  return `"${value}"`;
}

/** The Modelfile text; `from` is a GGUF file or a merged safetensors directory, relative to the Modelfile. */
export function renderModelfile(from: string, spec: ServeSpec): string {
  const lines = [
    "# Written by joco-finetune (07-import). TEMPLATE is the training prompt, byte for byte: edit lib/conventional/prompt.ts, not this file.",
    `FROM ${from}`,
    tripleQuoted("TEMPLATE", spec.template),
    ...(spec.system !== undefined ? [tripleQuoted("SYSTEM", spec.system)] : []),
    ...Object.entries(spec.parameters).flatMap(([key, value]) =>
      (Array.isArray(value) ? value : [value]).map((v) => `PARAMETER ${key} ${parameterValue(key, v)}`),
    ),
  ];
  return `${lines.join("\n")}\n`;
}

/** Ollama's spelling of our quantization names for `create -q` / `quantize`; undefined: import as it is. */
export function ollamaQuantizeName(quantization: string): string | undefined {
  const names: Record<string, string | undefined> = { q4_k_m: "q4_K_M", q4_k_s: "q4_K_S", q8_0: "q8_0", f16: undefined };
  if (!(quantization in names)) {
    throw new RunbookError(
      `Ollama cannot quantize to ${quantization} on import (it supports q4_K_M, q4_K_S and q8_0).`,
      "Set export.quantization to q4_k_m or q8_0, or install llama.cpp so that 06 writes the GGUF itself.",
    );
  }
  return names[quantization];
}
