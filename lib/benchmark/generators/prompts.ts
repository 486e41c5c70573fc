/**
 * The benchmark's prompts, versioned: a run records which one it used, so two
 * runs with different prompts are never compared as if they were alike.
 *
 * - `training`: the fine-tuned model's exact training prompt (lib/conventional/prompt.ts),
 *   sent raw so Ollama's template resolution cannot change it (DESIGN §7).
 * - `chat`: the same instruction and the diff as one user message, through
 *   the model's own chat template: how a baseline is used in practice.
 * - few-shot (`chat` with examples): the same user message, after k earlier
 *   turns that each pair a retrieved training diff with its message.
 */
import { z } from "zod";
import { PROMPT_VERSION, TRAINING_INSTRUCTION, renderPrompt } from "../../conventional/prompt.js";
import { bodyOf, parseHeader, renderMessage } from "../../conventional/parser.js";
import type { FewShotExample } from "../few-shot.js";

export type PromptStyle = "training" | "chat";

/** Bump on any change to chatPrompt or STRUCTURED_SUFFIX. */
export const CHAT_PROMPT_VERSION = 1;
/** Bump on any change to fewShotMessages. */
export const FEW_SHOT_PROMPT_VERSION = 1;

const STRUCTURED_SUFFIX =
  "\n\nAnswer with a JSON object with the fields type, scope (null when none), breaking, description and body (null when none).";

export function promptVersion(style: PromptStyle, mode: "free" | "structured", fewShot = false): string {
  const base = style === "training" ? `training-v${PROMPT_VERSION}` : `chat-v${CHAT_PROMPT_VERSION}`;
  const shots = fewShot ? `+few-shot-v${FEW_SHOT_PROMPT_VERSION}` : "";
  return mode === "structured" ? `${base}${shots}+json` : `${base}${shots}`;
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

/** What an example's assistant turn says: its message, or in structured mode the JSON the schema asks for. */
function exampleAnswer(message: string, mode: "free" | "structured"): string {
  const parsed = mode === "structured" ? parseHeader(message) : null;
  if (!parsed) return message;
  return JSON.stringify({ type: parsed.type, scope: parsed.scope, breaking: parsed.breaking, description: parsed.description, body: bodyOf(message) || null });
}

/**
 * The chat of a few-shot prompt: each example as a user turn (the chat prompt
 * of its diff) and an assistant turn (its message), the least similar first so
 * that the most similar sits next to the case, then the case itself.
 */
export function fewShotMessages(examples: readonly FewShotExample[], diff: string, mode: "free" | "structured") {
  const turns = [...examples].reverse().flatMap((example) => [
    { role: "user", content: chatPrompt(example.diff, mode) },
    { role: "assistant", content: exampleAnswer(example.message, mode) },
  ]);
  return [...turns, { role: "user", content: chatPrompt(diff, mode) }];
}
