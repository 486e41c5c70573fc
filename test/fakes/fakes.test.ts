// Self-tests of the protocol fakes, driven by the real clients: if a fake
// drifts from what @anthropic-ai/sdk or ollama expect on the wire, these fail.
import Anthropic, { APIError, AuthenticationError } from "@anthropic-ai/sdk";
import { zodOutputFormat } from "@anthropic-ai/sdk/helpers/zod";
import { Ollama, type CreateRequest } from "ollama";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { apiKeyOf, startFakeAnthropic, type FakeAnthropicOptions } from "./anthropic.ts";
import { startFakeOllama, sha256Digest, type FakeOllamaOptions } from "./ollama.ts";

const LabelSchema = z.object({ type: z.enum(["feat", "fix"]), scope: z.string().nullable(), subject: z.string() });
const ask = { model: "claude-test", max_tokens: 256, messages: [{ role: "user" as const, content: "label this diff" }] };

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function anthropic(opts: FakeAnthropicOptions = {}, maxRetries = 0) {
  const fake = await startFakeAnthropic(opts);
  closers.push(fake.close);
  return { fake, client: new Anthropic({ apiKey: "test-key", baseURL: fake.url, maxRetries }) };
}

async function ollama(opts: FakeOllamaOptions = {}) {
  const fake = await startFakeOllama({ models: ["qwen2.5-coder:1.5b"], ...opts });
  closers.push(fake.close);
  return { fake, client: new Ollama({ host: fake.url }) };
}

describe("fake Anthropic", () => {
  it("answers messages.create with a real-shaped Message and records the request", async () => {
    const { fake, client } = await anthropic({ respond: (req) => `echo ${req.model}` });
    const msg = await client.messages.create(ask);
    expect(msg.content).toEqual([{ type: "text", text: "echo claude-test", citations: null }]);
    expect(msg).toMatchObject({ type: "message", role: "assistant", model: "claude-test", stop_reason: "end_turn" });
    expect(msg.usage.input_tokens).toBeGreaterThan(0);
    expect(msg._request_id).toMatch(/^req_fake/);
    const [req] = fake.messageRequests();
    expect(apiKeyOf(req!)).toBe("test-key");
    expect(req!.headers["anthropic-version"]).toBeTruthy();
    expect(req!.body).toMatchObject({ model: "claude-test", max_tokens: 256 });
  });

  it("serves structured output that messages.parse turns into parsed_output", async () => {
    const { fake, client } = await anthropic({ respond: () => ({ json: { type: "fix", scope: "api", subject: "handle nulls" } }) });
    const msg = await client.messages.parse({ ...ask, output_config: { format: zodOutputFormat(LabelSchema) } });
    expect(msg.parsed_output).toEqual({ type: "fix", scope: "api", subject: "handle nulls" });
    const sent = fake.messageRequests()[0]!.body as { output_config: { format: { type: string; schema: { properties: object } } } };
    expect(sent.output_config.format.type).toBe("json_schema");
    expect(Object.keys(sent.output_config.format.schema.properties)).toEqual(["type", "scope", "subject"]);
  });

  it("lets parse reject JSON that fails the schema, and a malformed body", async () => {
    const { client } = await anthropic({ respond: (_r, i) => (i === 0 ? { json: { type: "chore" } } : { fault: { kind: "malformed" } }) });
    const format = zodOutputFormat(LabelSchema);
    await expect(client.messages.parse({ ...ask, output_config: { format } })).rejects.toThrow(/Failed to parse structured output/);
    await expect(client.messages.create(ask)).rejects.toThrow(SyntaxError);
  });

  it("sends 429 with retry-after, which the SDK honours before retrying", async () => {
    const { fake, client } = await anthropic(
      { respond: (_r, i) => (i === 0 ? { fault: { kind: "rate_limit", retryAfterSeconds: 1 } } : "after retry") },
      2,
    );
    const msg = await client.messages.create(ask);
    expect(msg.content[0]).toMatchObject({ text: "after retry" });
    const [first, second] = fake.messageRequests();
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(900);
    expect(second!.headers["x-stainless-retry-count"]).toBe("1");
  });

  it("reports 529 and 500 in Anthropic's error envelope", async () => {
    const { fake, client } = await anthropic({
      respond: (_r, i) => ({ fault: i === 0 ? { kind: "overloaded" } : { kind: "api_error", headers: { "retry-after-ms": "5" } } }),
    });
    const err = await client.messages.create(ask).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    expect((err as APIError).status).toBe(529);
    expect((err as APIError).error).toMatchObject({ type: "error", error: { type: "overloaded_error" } });
    const retried = new Anthropic({ apiKey: "k", baseURL: fake.url, maxRetries: 1 });
    await expect(retried.messages.create(ask)).rejects.toMatchObject({ status: 500 });
    expect(fake.messageRequests()).toHaveLength(3); // 529 once, 500 twice (one retry)
  });

  it("rejects a wrong API key with 401 when a key is required", async () => {
    const { fake } = await anthropic({ apiKey: "right" });
    const wrong = new Anthropic({ apiKey: "wrong", baseURL: fake.url, maxRetries: 0 });
    await expect(wrong.messages.create(ask)).rejects.toBeInstanceOf(AuthenticationError);
  });

  it("tracks concurrent requests", async () => {
    const { fake, client } = await anthropic({ latencyMs: 100 });
    await Promise.all(Array.from({ length: 4 }, () => client.messages.create(ask)));
    expect(fake.maxInFlight).toBe(4);
    expect(fake.inFlight).toBe(0);
  });

  it("runs a message batch: create, poll until ended, stream results, list", async () => {
    const { fake, client } = await anthropic({
      pollsUntilEnded: 1,
      respond: (req) => (req.model === "bad" ? { fault: { kind: "overloaded" } } : { json: { type: "feat", scope: null, subject: "x" } }),
    });
    const batch = await client.messages.batches.create({
      requests: [
        { custom_id: "a", params: ask },
        { custom_id: "b", params: { ...ask, model: "bad" } },
      ],
    });
    expect(batch).toMatchObject({ processing_status: "in_progress", request_counts: { processing: 2 }, results_url: null });
    await expect(client.messages.batches.results(batch.id)).rejects.toThrow(/results_url/);
    const ended = await client.messages.batches.retrieve(batch.id);
    expect(ended).toMatchObject({ processing_status: "ended", request_counts: { succeeded: 1, errored: 1 } });
    const results = [];
    for await (const r of await client.messages.batches.results(batch.id)) results.push(r);
    expect(results.map((r) => [r.custom_id, r.result.type])).toEqual([["a", "succeeded"], ["b", "errored"]]);
    const first = results[0]!.result;
    expect(first.type === "succeeded" && first.message.content[0]).toMatchObject({ text: '{"type":"feat","scope":null,"subject":"x"}' });
    const page = await client.messages.batches.list();
    expect(page.data.map((b) => b.id)).toEqual([batch.id]);
    expect(fake.batches.get(batch.id)!.polls).toBe(3);
  });
});

describe("fake Ollama", () => {
  it("reports version, tags and show for installed models", async () => {
    const { client } = await ollama({ version: "0.9.9" });
    expect(await client.version()).toEqual({ version: "0.9.9" });
    expect((await client.list()).models.map((m) => m.name)).toEqual(["qwen2.5-coder:1.5b"]);
    const show = await client.show({ model: "qwen2.5-coder:1.5b" });
    expect(show.details.family).toBe("qwen2");
    await expect(client.show({ model: "missing" })).rejects.toMatchObject({ status_code: 404, error: "model 'missing' not found" });
  });

  it("generates without streaming, with Ollama's timing fields", async () => {
    const { fake, client } = await ollama({ respond: (r) => (r.endpoint === "generate" ? `feat: ${r.body.prompt}` : "no") });
    const out = await client.generate({ model: "qwen2.5-coder:1.5b", prompt: "add x", raw: true });
    expect(out).toMatchObject({ response: "feat: add x", done: true, done_reason: "stop", eval_count: 3 });
    expect(out.eval_duration).toBe(60_000_000);
    expect(out.total_duration).toBeGreaterThanOrEqual(out.eval_duration);
    expect("context" in out).toBe(false); // raw mode returns no context
    expect(fake.generationRequests()[0]!.body).toMatchObject({ stream: false, raw: true });
  });

  it("streams generate and chat as NDJSON, ending with a done line", async () => {
    const { client } = await ollama({ respond: () => ({ text: "fix(cli): handle empty diff", thinking: "hm" }) });
    const parts: string[] = [];
    let last: { done: boolean; eval_count: number } | undefined;
    for await (const chunk of await client.generate({ model: "qwen2.5-coder:1.5b", prompt: "p", stream: true })) {
      parts.push(chunk.response ?? "");
      last = chunk;
    }
    expect(parts.join("")).toBe("fix(cli): handle empty diff");
    expect(parts.length).toBeGreaterThan(2);
    expect(last).toMatchObject({ done: true, eval_count: 4 });
    const chat = await client.chat({ model: "qwen2.5-coder:1.5b", messages: [{ role: "user", content: "hi" }] });
    expect(chat.message).toMatchObject({ role: "assistant", content: "fix(cli): handle empty diff", thinking: "hm" });
    let streamed = "";
    for await (const c of await client.chat({ model: "qwen2.5-coder:1.5b", messages: [], stream: true })) streamed += c.message.content;
    expect(streamed).toBe("fix(cli): handle empty diff");
  });

  it("streams when `stream` is absent from the body, as the server defaults", async () => {
    const { fake } = await ollama({ respond: () => "a b c" });
    const body = JSON.stringify({ model: "qwen2.5-coder:1.5b", prompt: "p" });
    const res = await fetch(`${fake.url}/api/generate`, { method: "POST", body });
    const lines = (await res.text()).trim().split("\n").map((l) => JSON.parse(l) as { done: boolean });
    expect(lines).toHaveLength(4);
    expect(lines.at(-1)!.done).toBe(true);
  });

  it("injects 404, 500, malformed bodies, mid-stream errors and latency", async () => {
    const faults = [{ kind: "server_error" }, { kind: "malformed" }, { kind: "stream_error" }] as const;
    const { client } = await ollama({
      respond: (r) => (r.index < 3 ? { fault: faults[r.index]! } : { text: "late", delayMs: 150 }),
    });
    await expect(client.generate({ model: "nope", prompt: "p" })).rejects.toMatchObject({ status_code: 404, error: "model 'nope' not found" });
    await expect(client.generate({ model: "qwen2.5-coder:1.5b", prompt: "p" })).rejects.toMatchObject({ status_code: 500 });
    await expect(client.generate({ model: "qwen2.5-coder:1.5b", prompt: "p" })).rejects.toThrow(SyntaxError);
    const stream = await client.generate({ model: "qwen2.5-coder:1.5b", prompt: "p", stream: true });
    await expect((async () => { for await (const _ of stream) void _; })()).rejects.toThrow(/error was encountered/);
    const t0 = Date.now();
    expect((await client.generate({ model: "qwen2.5-coder:1.5b", prompt: "p" })).response).toBe("late");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it("stores blobs by digest and creates a model that show and tags report", async () => {
    const { fake, client } = await ollama();
    const gguf = Buffer.from("GGUF fake weights");
    const digest = sha256Digest(gguf);
    const blobUrl = `${fake.url}/api/blobs/${digest}`;
    expect((await fetch(blobUrl, { method: "HEAD" })).status).toBe(404);
    expect((await fetch(blobUrl, { method: "POST", body: Buffer.from("other") })).status).toBe(400);
    expect((await fetch(blobUrl, { method: "POST", body: gguf })).status).toBe(201);
    expect((await fetch(blobUrl, { method: "HEAD" })).status).toBe(200);

    // CreateRequest in ollama 0.6.4 has no `files`; the client forwards it all the same.
    const request: CreateRequest & { files: Record<string, string>; stream: true } = {
      model: "joco",
      files: { "model.gguf": digest },
      template: "### Instruction:\n{{ .Prompt }}\n### Response:\n",
      parameters: { stop: ["### Instruction"], temperature: 0 },
      quantize: "q4_K_M",
      stream: true,
    };
    const statuses: string[] = [];
    for await (const p of await client.create(request)) statuses.push(p.status);
    expect(statuses[0]).toBe("parsing GGUF");
    expect(statuses).toContain(`using existing layer ${digest}`);
    expect(statuses.at(-1)).toBe("success");

    const show = await client.show({ model: "joco" });
    expect(show.template).toBe(request.template);
    expect(show.parameters).toMatch(/^stop\s+"### Instruction"\ntemperature\s+0$/);
    expect(show.modelfile).toContain('PARAMETER stop "### Instruction"');
    expect(show.details.quantization_level).toBe("Q4_K_M");
    expect((await client.list()).models.map((m) => m.name)).toContain("joco:latest");

    const missing = { model: "broken", files: { "model.gguf": sha256Digest("never uploaded") }, stream: false as const };
    await expect(client.create(missing)).rejects.toMatchObject({ status_code: 400 });
    expect(await client.create({ model: "child", from: "joco", system: "be brief", stream: false })).toEqual({ status: "success" });
    expect(fake.models.get("child:latest")).toMatchObject({ template: request.template, system: "be brief" });
  });
});
