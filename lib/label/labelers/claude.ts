/**
 * The `claude` labeler: one Messages request per diff with the SDK's native
 * structured output (the label's zod schema, its type an enum of the
 * configured types), a cached system prompt, validation by zod and
 * commitlint, and one re-ask with the error when the answer is invalid.
 */
import type Anthropic from "@anthropic-ai/sdk";
import type { JSONOutputFormat, Message, MessageCreateParamsNonStreaming, MessageParam } from "@anthropic-ai/sdk/resources/messages";
import { z } from "zod";
import { addUsage, describeApiFailure, type ModelPrice, type RunStop, usageOf } from "../anthropic.js";
import { renderMessage } from "../../conventional/parser.js";
import { type Label, LabelSchema, type RawDiff, type Usage } from "../../core/records.js";
import { describeViolations, LABEL_PROMPT_VERSION, labelSystemPrompt, labelUserPrompt, reaskPrompt, ruleViolations } from "./rules.js";
import type { LabelOutcome, Labeler } from "./types.js";

export interface ClaudeLabelerSettings {
  client: Anthropic;
  model: string;
  maxTokens: number;
  types: string[];
  price: ModelPrice;
}

export interface ClaudeLabeler extends Labeler {
  backend: "claude";
  /** The client it asks with; --batch submits through the same one. */
  client: Anthropic;
  /** The request body for one diff: sent by messages.parse, and the same `params` go into a batch. */
  requestFor(item: RawDiff): MessageCreateParamsNonStreaming;
  /** Finishes a diff from an answer obtained elsewhere (a batch result): validated, re-asked once when invalid. */
  labelFromAnswer(item: RawDiff, message: Message, signal: AbortSignal, options: { batch: boolean }): Promise<LabelOutcome>;
}

type ParsedLabel = { ok: true; label: Label } | { ok: false; error: string };
interface Answer {
  text: string;
  parsed: ParsedLabel;
  usage: Usage;
}
/** One request's result: an answer to check, a body that did not parse, or a request that failed after the SDK's retries. */
type Attempt = { answer: Answer } | { unreadable: string } | { failed: string; stop?: RunStop };
interface Reask {
  previousText: string;
  problem: string;
}

export async function createClaudeLabeler(settings: ClaudeLabelerSettings): Promise<ClaudeLabeler> {
  const { client, price, types } = settings;
  const { zodOutputFormat } = await import("@anthropic-ai/sdk/helpers/zod");
  const strict = zodOutputFormat(LabelSchema.extend({ type: z.enum(types as [string, ...string[]]) }));
  // The SDK's own parse throws on an answer that fails the schema, and the
  // paid message (its usage) goes with it; this one keeps both, and the error
  // goes back to Claude in the re-ask.
  const format = {
    ...strict,
    parse: (text: string): ParsedLabel => {
      try {
        return { ok: true, label: strict.parse(text) };
      } catch (error) {
        return { ok: false, error: (error as Error).message.replace(/\s+/g, " ") };
      }
    },
  };
  const buildRequest = requestBuilder(settings, labelSystemPrompt(types), format);

  const textOf = (message: Message) => message.content.find((block) => block.type === "text")?.text ?? "";
  const answerOf = (message: Message, parsed: ParsedLabel | null, batch: boolean): Answer => ({
    text: textOf(message),
    parsed: parsed ?? { ok: false, error: "the answer has no text" },
    usage: usageOf(message.usage, price, { batch }),
  });

  async function ask(item: RawDiff, reask: Reask | undefined, signal: AbortSignal): Promise<Attempt> {
    try {
      const message = await client.messages.parse(buildRequest(item, reask), { signal });
      return { answer: answerOf(message, message.parsed_output, false) };
    } catch (error) {
      if (signal.aborted) throw error;
      // A truncated or garbled body: nothing to correct, so the re-ask is the same question again.
      if (error instanceof SyntaxError) return { unreadable: `the response body was not valid JSON (${error.message})` };
      const { detail, stop } = await describeApiFailure(error, client);
      return { failed: detail, ...(stop && { stop }) };
    }
  }

  async function finish(item: RawDiff, first: Attempt, signal: AbortSignal): Promise<LabelOutcome> {
    let usage: Usage | null = null;
    let current = first;
    for (let asked = 1; ; asked += 1) {
      if ("failed" in current) return { status: "failed", error: current.failed, usage, ...(current.stop && { stop: current.stop }) };
      let problem: string;
      let previousText = "";
      if ("answer" in current) {
        usage = addUsage(usage, current.answer.usage);
        const checked = await checkAnswer(current.answer.parsed, types);
        if ("message" in checked) return { status: "labeled", message: checked.message, label: checked.label, usage };
        problem = checked.problem;
        previousText = current.answer.text;
      } else problem = current.unreadable;
      if (asked === 2) return { status: "failed", error: `invalid answer after one re-ask: ${problem}`, usage };
      current = await ask(item, { previousText, problem }, signal);
    }
  }

  return {
    backend: "claude",
    client,
    model: settings.model,
    version: `prompt-v${LABEL_PROMPT_VERSION};types=${types.join(",")}`,
    readsMessage: false,
    requestFor: (item) => buildRequest(item, undefined),
    label: async (item, signal) => finish(item, await ask(item, undefined, signal), signal),
    labelFromAnswer: async (item, message, signal, { batch }) => finish(item, { answer: answerOf(message, format.parse(textOf(message)), batch) }, signal),
  };
}

function requestBuilder<F extends JSONOutputFormat>(settings: ClaudeLabelerSettings, systemPrompt: string, format: F) {
  return (item: RawDiff, reask: Reask | undefined) => {
    const messages: MessageParam[] = [{ role: "user", content: labelUserPrompt(item) }];
    // Without an answer to correct (an unreadable body), the re-ask is the same question again.
    if (reask?.previousText) {
      messages.push({ role: "assistant", content: reask.previousText }, { role: "user", content: reaskPrompt(reask.problem) });
    }
    return {
      model: settings.model,
      max_tokens: settings.maxTokens,
      // Marked for prompt caching: it is the same for every diff of the run.
      system: [{ type: "text" as const, text: systemPrompt, cache_control: { type: "ephemeral" as const } }],
      messages,
      output_config: { format },
    };
  };
}

async function checkAnswer(parsed: ParsedLabel, types: string[]): Promise<{ message: string; label: Label } | { problem: string }> {
  if (!parsed.ok) return { problem: parsed.error };
  const label = { ...parsed.label, scope: parsed.label.scope?.trim() || null, body: parsed.label.body?.trim() || null };
  const message = renderMessage(label);
  const violations = await ruleViolations(message, types);
  return violations.length ? { problem: describeViolations(violations) } : { message, label };
}
