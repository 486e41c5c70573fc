import { DEFAULT_CONFIG } from "../../runbook/00-config.js";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createClaudeGenerator } from "../../lib/benchmark/generators/claude.js";
import { createOllamaGenerator } from "../../lib/benchmark/generators/ollama.js";
import { structuredJsonSchema } from "../../lib/benchmark/generators/prompts.js";
import { TRAINING_INSTRUCTION, renderPrompt } from "../../lib/conventional/prompt.js";
import type { Case } from "../../lib/core/records.js";
import { type FakeAnthropic, startFakeAnthropic } from "../fakes/anthropic.ts";
import { type FakeOllama, type OllamaReply, startFakeOllama } from "../fakes/ollama.ts";

const item: Case = { id: "c1", diff: "diff --git a/x.ts b/x.ts\n+export const x = 1;\n", expectedMessage: "feat: add x", repository: "r", commitHash: "h", metadata: {} };
const signal = new AbortController().signal;
const sampling = { temperature: 0.7, topP: 0.9, numPredict: 256, seed: 42, numCtx: 4096, types: DEFAULT_CONFIG.conventional.types };

let reply: OllamaReply = { text: "feat: add x" };
let ollama: FakeOllama;
beforeAll(async () => {
  ollama = await startFakeOllama({ models: ["joco", "llama3.2:1b"], respond: () => reply });
});
afterAll(() => ollama.close());

const lastRequest = () => ollama.generationRequests().at(-1)!;
const ollamaGenerator = (model: string, prompt: "training" | "chat", mode: "free" | "structured" = "free") =>
  createOllamaGenerator({ ...sampling, host: ollama.url, model, prompt, mode });

describe("ollama generator", () => {
  it("sends the fine-tuned model its exact training prompt, raw, with the sampling settings", async () => {
    reply = { text: "feat: add x\n", evalCount: 6, evalDurationNs: 200_000_000 };
    const generator = await ollamaGenerator("joco", "training");
    const generation = await generator.generate(item, signal);

    const request = lastRequest();
    expect(request.path).toBe("/api/generate");
    expect(request.body).toMatchObject({ model: "joco", raw: true, stream: false, prompt: renderPrompt(TRAINING_INSTRUCTION, item.diff) });
    expect((request.body as { options: unknown }).options).toEqual({ temperature: 0.7, top_p: 0.9, num_predict: 256, seed: 42, num_ctx: 4096 });
    expect(request.body).not.toHaveProperty("format");
    // Free mode: the output exactly as the model returned it, trailing newline included.
    expect(generation).toMatchObject({ output: "feat: add x\n", rawOutput: null, error: null, outputTokens: 6, tokensPerSecond: 30 });
    expect(generator.promptVersion).toBe("training-v1");
    expect(generator.params).toMatchObject({ prompt: "training", digest: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it("asks a baseline through its own chat template with the same instruction and the diff", async () => {
    reply = { text: "Here is a commit message:\n\nfeat: add x" };
    const generator = await ollamaGenerator("llama3.2:1b", "chat");
    const generation = await generator.generate(item, signal);

    const request = lastRequest();
    expect(request.path).toBe("/api/chat");
    expect(request.body).toMatchObject({ model: "llama3.2:1b", stream: false, messages: [{ role: "user", content: `${TRAINING_INSTRUCTION}\n\n${item.diff}` }] });
    expect(request.body).not.toHaveProperty("raw");
    expect(generation.output).toBe("Here is a commit message:\n\nfeat: add x");
    expect(generator.promptVersion).toBe("chat-v1");
  });

  it("structured mode sends the JSON schema as `format` and renders the answer into a message", async () => {
    reply = { json: { type: "feat", scope: "parser", breaking: true, description: "drop the old syntax", body: "It was deprecated in 2.0." } };
    const generator = await ollamaGenerator("llama3.2:1b", "chat", "structured");
    const generation = await generator.generate(item, signal);

    const body = lastRequest().body as { format: unknown; messages: Array<{ content: string }> };
    expect(body.format).toEqual(structuredJsonSchema(DEFAULT_CONFIG.conventional.types));
    expect(body.format).toMatchObject({ required: ["type", "scope", "breaking", "description", "body"], properties: { type: { enum: DEFAULT_CONFIG.conventional.types } } });
    expect(body.messages[0]!.content).toContain("Answer with a JSON object");
    expect(generation.output).toBe("feat(parser)!: drop the old syntax\n\nIt was deprecated in 2.0.");
    expect(generation.rawOutput).toBe(JSON.stringify(reply.json));
    expect(generator.promptVersion).toBe("chat-v1+json");
  });

  it("keeps a structured answer that is not the schema as it came, to be scored as such", async () => {
    reply = { text: '{"type": "feat", "scope": null' }; // cut off by num_predict
    const generator = await ollamaGenerator("joco", "training", "structured");
    expect((await generator.generate(item, signal)).output).toBe('{"type": "feat", "scope": null');
    expect(lastRequest().body).toMatchObject({ raw: true, format: structuredJsonSchema(DEFAULT_CONFIG.conventional.types) });
  });

  it("turns a failed request into a failed generation instead of throwing", async () => {
    reply = { fault: { kind: "server_error", message: "llama runner process has terminated" } };
    const generation = await (await ollamaGenerator("joco", "training")).generate(item, signal);
    expect(generation).toEqual({ output: "", rawOutput: null, error: expect.stringContaining("llama runner process has terminated"), latencyMs: null, outputTokens: null, tokensPerSecond: null });
  });

  it("refuses a model Ollama does not have", async () => {
    await expect(ollamaGenerator("qwen3:0.6b", "chat")).rejects.toThrow(/qwen3:0\.6b is not installed in Ollama/);
  });

  it("gives up on a request still unanswered at its deadline (the hook's budget)", async () => {
    reply = { text: "feat: add x", delayMs: 30_000 };
    const generator = await createOllamaGenerator({ ...sampling, host: ollama.url, model: "joco", prompt: "training", mode: "free", deadline: AbortSignal.timeout(300) });
    const started = performance.now();
    const generation = await generator.generate(item, signal);
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(generation).toMatchObject({ output: "", error: expect.stringMatching(/abort/i), latencyMs: null });
  });
});

describe("claude generator", () => {
  let anthropic: FakeAnthropic;
  let answer: Parameters<typeof startFakeAnthropic>[0] extends infer O ? (O extends { respond?: infer R } ? R : never) : never;
  beforeAll(async () => {
    anthropic = await startFakeAnthropic({ apiKey: "sk-test", respond: (request, index) => answer!(request, index) });
    // The SDK reads both itself; the generator passes neither.
    vi.stubEnv("ANTHROPIC_BASE_URL", anthropic.url);
    vi.stubEnv("ANTHROPIC_API_KEY", "sk-test");
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await anthropic.close();
  });

  it("asks with the chat prompt and reports the output tokens", async () => {
    answer = () => ({ text: "feat: add x", usage: { output_tokens: 5 } });
    const generator = await createClaudeGenerator({ model: "claude-sonnet-4-6", mode: "free", types: DEFAULT_CONFIG.conventional.types, maxTokens: 256 });
    const generation = await generator.generate(item, signal);
    expect(generation).toMatchObject({ output: "feat: add x", error: null, outputTokens: 5 });
    expect(generation.tokensPerSecond).toBeGreaterThan(0);
    const body = anthropic.messageRequests().at(-1)!.body as Record<string, unknown>;
    expect(body).toMatchObject({ model: "claude-sonnet-4-6", max_tokens: 256, messages: [{ role: "user", content: `${TRAINING_INSTRUCTION}\n\n${item.diff}` }] });
  });

  it("structured mode asks for the schema and renders the answer", async () => {
    answer = () => ({ json: { type: "fix", scope: null, breaking: false, description: "handle an empty diff", body: null } });
    const generator = await createClaudeGenerator({ model: "claude-sonnet-4-6", mode: "structured", types: DEFAULT_CONFIG.conventional.types, maxTokens: 256 });
    expect((await generator.generate(item, signal)).output).toBe("fix: handle an empty diff");
    const body = anthropic.messageRequests().at(-1)!.body as { output_config: { format: { type: string; schema: { properties: object } } } };
    expect(body.output_config.format.type).toBe("json_schema");
    expect(Object.keys(body.output_config.format.schema.properties)).toEqual(["type", "scope", "breaking", "description", "body"]);
  });

  it("records a rejected request as a failed generation", async () => {
    answer = () => ({ fault: { kind: "error", status: 400, type: "invalid_request_error", message: "prompt is too long" } });
    const generator = await createClaudeGenerator({ model: "claude-sonnet-4-6", mode: "free", types: DEFAULT_CONFIG.conventional.types, maxTokens: 256 });
    const generation = await generator.generate(item, signal);
    expect(generation.error).toContain("prompt is too long");
    expect(generation.output).toBe("");
  });
});
