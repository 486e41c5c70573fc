/**
 * The benchmark's prompts, versioned: a run records which one it used, so two
 * runs with different prompts are never compared as if they were alike.
 *
 * - `training`: the fine-tuned model's exact training prompt (lib/conventional/prompt.ts),
 *   sent raw so Ollama's template resolution cannot change it (DESIGN §7).
 * - `chat`: the same instruction and the diff as one user message, through
 *   the model's own chat template: how a baseline is used in practice.
 */
import { z } from "zod";
import { PROMPT_VERSION, TRAINING_INSTRUCTION, renderPrompt } from "../../conventional/prompt.js";
import { renderMessage } from "../../conventional/parser.js";

export type PromptStyle = "training" | "chat";

/** Bump on any change to chatPrompt or STRUCTURED_SUFFIX. */
export const CHAT_PROMPT_VERSION = 1;

const STRUCTURED_SUFFIX =
  "\n\nAnswer with a JSON object with the fields type, scope (null when none), breaking, description and body (null when none).";

export function promptVersion(style: PromptStyle, mode: "free" | "structured"): string {
  const base = style === "training" ? `training-v${PROMPT_VERSION}` : `chat-v${CHAT_PROMPT_VERSION}`;
  return mode === "structured" ? `${base}+json` : base;
}

export function trainingPrompt(diff: string): string {
  return renderPrompt(TRAINING_INSTRUCTION, diff);
}

export function chatPrompt(diff: string, mode: "free" | "structured"): string {
  return `${TRAINING_INSTRUCTION}${mode === "structured" ? STRUCTURED_SUFFIX : ""}\n\n${diff}`;
}

/** What structured mode asks for (DESIGN §6); the type is one of the configured types. */
export function structuredMessageSchema(types: string[]) {
  return z.object({
    type: z.enum(types as [string, ...string[]]),
    scope: z.string().nullable(),
    breaking: z.boolean(),
    description: z.string(),
    body: z.string().nullable(),
  });
}

/** The JSON schema for Ollama's `format`. */
export function structuredJsonSchema(types: string[]): Record<string, unknown> {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(structuredMessageSchema(types));
  return schema;
}

/** Renders a structured answer into a message; an answer that does not parse is kept as it came (and is scored as such). */
export function renderStructuredAnswer(text: string, types: string[]): string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return text;
  }
  const parsed = structuredMessageSchema(types).safeParse(value);
  if (!parsed.success) return text;
  return renderMessage(parsed.data);
}
