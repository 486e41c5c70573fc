// The labelers: `original` on real commit messages, `claude` with the real SDK
// against the fake Anthropic API (what the wire carries is what is asserted).
import { afterEach, describe, expect, it } from "vitest";
import { createLabeler, isClaudeLabeler, type LabelerSettings, resolveBackend } from "../../lib/label/labelers/index.js";
import { createOriginalLabeler } from "../../lib/label/labelers/original.js";
import { DEFAULT_CONFIG } from "../../runbook/00-config.js";
import { apiKeyOf, type FakeAnthropicOptions, type MessagesRequest, startFakeAnthropic } from "../fakes/anthropic.ts";
import { goodLabel, rawDiff } from "../helpers/labels.js";

const signal = new AbortController().signal;
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function claudeWith(options: FakeAnthropicOptions, overrides: Partial<LabelerSettings> = {}) {
  const fake = await startFakeAnthropic({ apiKey: "sk-test-secret", ...options });
  closers.push(fake.close);
  const settings: LabelerSettings = {
    ...DEFAULT_CONFIG.labeling,
    backend: "claude",
    maxRetries: 0,
    types: DEFAULT_CONFIG.conventional.types,
    client: { baseURL: fake.url, apiKey: "sk-test-secret" },
    ...overrides,
  };
  const { labeler } = await createLabeler(settings, {});
  if (!isClaudeLabeler(labeler)) throw new Error("expected the claude labeler");
  return { fake, labeler, bodies: () => fake.messageRequests().map((r) => r.body as MessagesRequest) };
}

describe("choosing a labeler", () => {
  it("auto picks claude when ANTHROPIC_API_KEY is set, original otherwise, and says which", () => {
    expect(resolveBackend("auto", { ANTHROPIC_API_KEY: "x" })).toEqual({ backend: "claude", why: expect.stringMatching(/claude.*ANTHROPIC_API_KEY is set/) });
    expect(resolveBackend("auto", { ANTHROPIC_API_KEY: " " })).toEqual({ backend: "original", why: expect.stringMatching(/original.*not set/) });
    expect(resolveBackend("original", { ANTHROPIC_API_KEY: "x" }).backend).toBe("original");
  });

  it("refuses a model with no price, naming the key to add", async () => {
    await expect(createLabeler({ ...DEFAULT_CONFIG.labeling, backend: "claude", model: "claude-new-1", types: DEFAULT_CONFIG.conventional.types }, {})).rejects.toMatchObject({
      message: expect.stringContaining('no price for model "claude-new-1"'),
      hint: expect.stringContaining('labeling.prices["claude-new-1"]'),
    });
  });
});

describe("original labeler", () => {
  const original = createOriginalLabeler({ types: DEFAULT_CONFIG.conventional.types });
  const labelOf = (originalMessage: string) => original.label(rawDiff(1, { originalMessage }), signal);

  it("keeps a conventional message, cleaned of its squash reference and trailers", async () => {
    const outcome = await labelOf("fix(parser): handle empty input (#1234)\n\nEmpty files crashed the parser.\n\nSigned-off-by: A <a@x.org>");
    expect(outcome).toEqual({
      status: "labeled",
      message: "fix(parser): handle empty input\n\nEmpty files crashed the parser.",
      label: { type: "fix", scope: "parser", breaking: false, subject: "handle empty input", body: "Empty files crashed the parser." },
      usage: null,
    });
  });

  it("marks a breaking change", async () => {
    const outcome = await labelOf("feat(api)!: drop the v1 endpoints");
    expect(outcome.status === "labeled" && outcome.label).toMatchObject({ type: "feat", scope: "api", breaking: true });
  });

  it("skips what is not fit for training, with the reason", async () => {
    expect(await labelOf("Update README.md")).toMatchObject({ status: "skipped", reason: expect.stringMatching(/^not conventional: /) });
    expect(await labelOf("feature: add a thing")).toEqual({ status: "skipped", reason: "not conventional: type-enum" });
    expect(await labelOf(`feat(core): ${"a".repeat(70)}`)).toEqual({ status: "skipped", reason: "not conventional: header-max-72" });
    expect(await labelOf("chore(release): release v1.2.3")).toEqual({ status: "skipped", reason: "release commit" });
  });
});

describe("claude labeler", () => {
  it("asks with a cached system prompt and the label schema as structured output, and costs the answer", async () => {
    const usage = { input_tokens: 1000, output_tokens: 100, cache_read_input_tokens: 2000, cache_creation_input_tokens: 500 };
    const { fake, labeler, bodies } = await claudeWith({ respond: () => ({ json: goodLabel(7), usage }) });
    const outcome = await labeler.label(rawDiff(7), signal);

    expect(outcome).toEqual({
      status: "labeled",
      message: "feat(core): add marker 7",
      label: goodLabel(7),
      usage: { inputTokens: 1000, outputTokens: 100, cacheReadTokens: 2000, cacheWriteTokens: 500, costUsd: (1000 * 1 + 100 * 5 + 2000 * 0.1 + 500 * 1.25) / 1e6 },
    });
    const [body] = bodies();
    expect(body).toMatchObject({ model: "claude-haiku-4-5", max_tokens: 1024 });
    expect(body!.system).toEqual([{ type: "text", text: expect.stringContaining("at most 72 characters"), cache_control: { type: "ephemeral" } }]);
    const format = body!.output_config!.format as { type: string; schema: { properties: Record<string, { enum?: string[] }>; required: string[] } };
    expect(format.type).toBe("json_schema");
    expect(format.schema.properties.type!.enum).toEqual(DEFAULT_CONFIG.conventional.types);
    expect(format.schema.required.sort()).toEqual(["body", "breaking", "scope", "subject", "type"]);
    expect(body!.messages).toEqual([{ role: "user", content: expect.stringContaining('export const marker = "diff-7"') }]);
    expect(apiKeyOf(fake.messageRequests()[0]!)).toBe("sk-test-secret");
  });

  it("re-asks once with the error when the answer breaks the schema, and adds up both answers' usage", async () => {
    const { labeler, bodies } = await claudeWith({
      respond: (_request, i) => ({ json: i === 0 ? { ...goodLabel(3), type: "feature" } : goodLabel(3), usage: { input_tokens: 10, output_tokens: 5 } }),
    });
    const outcome = await labeler.label(rawDiff(3), signal);
    expect(outcome).toMatchObject({ status: "labeled", message: "feat(core): add marker 3", usage: { inputTokens: 20, outputTokens: 10 } });
    const reask = bodies()[1]!.messages;
    expect(reask).toHaveLength(3);
    expect(reask[1]).toEqual({ role: "assistant", content: expect.stringContaining('"type":"feature"') });
    expect(reask[2]).toEqual({ role: "user", content: expect.stringMatching(/breaks the rules: .*type/) });
  });

  it("fails an item whose answer still breaks the rules after the one re-ask, keeping what it cost", async () => {
    const { labeler, bodies } = await claudeWith({ respond: () => ({ json: { ...goodLabel(1), subject: "Added the marker." } }) });
    const outcome = await labeler.label(rawDiff(1), signal);
    expect(outcome).toMatchObject({ status: "failed", error: expect.stringMatching(/invalid answer after one re-ask: .*(subject|full-stop|case)/) });
    expect(outcome.status === "failed" && outcome.usage!.costUsd).toBeGreaterThan(0);
    expect(bodies()).toHaveLength(2);
  });

  it("rejects a header over 72 characters, which commitlint's preset would let through", async () => {
    const long = { ...goodLabel(1), subject: `add ${"very ".repeat(14)}long subject` };
    const { labeler, bodies } = await claudeWith({ respond: (_r, i) => ({ json: i === 0 ? long : goodLabel(1) }) });
    expect(await labeler.label(rawDiff(1), signal)).toMatchObject({ status: "labeled" });
    expect(bodies()[1]!.messages[2]!.content).toMatch(/header is \d+ characters, more than 72/);
  });

  it("asks the same question again after an unreadable body, then labels", async () => {
    const { labeler, bodies } = await claudeWith({ respond: (_r, i) => (i === 0 ? { fault: { kind: "malformed" } } : { json: goodLabel(2) }) });
    expect(await labeler.label(rawDiff(2), signal)).toMatchObject({ status: "labeled" });
    expect(bodies()[1]!.messages).toEqual(bodies()[0]!.messages);
  });

  it("records a request that keeps failing after the SDK's retries as a failed item", async () => {
    const { labeler, fake } = await claudeWith({ respond: () => ({ fault: { kind: "api_error", headers: { "retry-after-ms": "1" } } }) }, { maxRetries: 2 });
    expect(await labeler.label(rawDiff(1), signal)).toEqual({ status: "failed", error: "500 api_error: Internal server error", usage: null });
    expect(fake.messageRequests()).toHaveLength(3);
  });

  it("fails an item when the API cannot be reached at all, and says that no other item can succeed either", async () => {
    const { labeler } = await createLabeler(
      { ...DEFAULT_CONFIG.labeling, backend: "claude", maxRetries: 0, types: DEFAULT_CONFIG.conventional.types, client: { baseURL: "http://127.0.0.1:9", apiKey: "k" } },
      {},
    );
    expect(await labeler.label(rawDiff(1), signal)).toEqual({
      status: "failed",
      error: "Connection error.",
      usage: null,
      stop: { message: "Cannot reach the Anthropic API at http://127.0.0.1:9: Connection error.", hint: expect.stringContaining("--backend original") },
    });
  });

  it("leaves ANTHROPIC_API_KEY and ANTHROPIC_BASE_URL to the SDK", async () => {
    const fake = await startFakeAnthropic({ apiKey: "sk-from-env", respond: () => ({ json: goodLabel(1) }) });
    closers.push(fake.close);
    const saved = { key: process.env.ANTHROPIC_API_KEY, url: process.env.ANTHROPIC_BASE_URL };
    Object.assign(process.env, { ANTHROPIC_API_KEY: "sk-from-env", ANTHROPIC_BASE_URL: fake.url });
    try {
      const { labeler, why } = await createLabeler({ ...DEFAULT_CONFIG.labeling, types: DEFAULT_CONFIG.conventional.types });
      expect(why).toMatch(/claude.*ANTHROPIC_API_KEY is set/);
      expect(await labeler.label(rawDiff(1), signal)).toMatchObject({ status: "labeled" });
      expect(apiKeyOf(fake.messageRequests()[0]!)).toBe("sk-from-env");
    } finally {
      for (const [name, value] of [["ANTHROPIC_API_KEY", saved.key], ["ANTHROPIC_BASE_URL", saved.url]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});
