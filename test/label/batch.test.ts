// --batch in-process with the real SDK against the fake Batches API: submit,
// poll, fetch, validate (re-asking invalid answers directly), and resume a
// saved batch instead of submitting a second one. The crash of a real process
// while polling is in label-cell.test.ts.
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { labelInBatches } from "../../lib/label/batch.js";
import { labelCacheKey, openLabelCache } from "../../lib/label/cache.js";
import { pendingItems } from "../../lib/label/run.js";
import { type ClaudeLabeler, createLabeler, isClaudeLabeler } from "../../lib/label/labelers/index.js";
import { DEFAULT_CONFIG } from "../../runbook/00-config.js";
import { type FakeAnthropicOptions, startFakeAnthropic } from "../fakes/anthropic.ts";
import { diffNumberOf, goodLabel, rawDiff } from "../helpers/labels.js";
import { tempDir } from "../helpers/process.js";

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function setup(options: FakeAnthropicOptions) {
  const fake = await startFakeAnthropic({ apiKey: "sk-test", ...options });
  closers.push(fake.close);
  const { labeler } = await createLabeler(
    { ...DEFAULT_CONFIG.labeling, backend: "claude", maxRetries: 0, types: DEFAULT_CONFIG.conventional.types, client: { baseURL: fake.url, apiKey: "sk-test" } },
    {},
  );
  if (!isClaudeLabeler(labeler)) throw new Error("expected the claude labeler");
  const cache = await openLabelCache(join(await tempDir(), "cache.jsonl"));
  return { fake, labeler, cache };
}

/** The cell's state as the runner keeps it, in memory. */
function memoryState(initial: Record<string, unknown> = {}) {
  let state = initial;
  const saves: Record<string, unknown>[] = [];
  const save = async (patch: Record<string, unknown>) => {
    saves.push(patch);
    state = { ...state, ...patch };
  };
  return { saves, get: () => state, save };
}

const usage = { input_tokens: 1000, output_tokens: 100 };
const items = Array.from({ length: 6 }, (_, n) => rawDiff(n));
const run = (labeler: ClaudeLabeler, cache: Awaited<ReturnType<typeof setup>>["cache"], state: ReturnType<typeof memoryState>, signal = new AbortController().signal) =>
  labelInBatches(pendingItems(items, labeler, cache), { labeler, cache, pollIntervalMs: 10, signal, state, log: () => {} });

describe("labeling with Message Batches", () => {
  it("submits one batch, polls it, bills half, re-asks an invalid answer directly, and fails an errored request", async () => {
    const { fake, labeler, cache } = await setup({
      pollsUntilEnded: 3,
      batchRespond: (request) => {
        const n = diffNumberOf(request);
        if (n === 4) return { fault: { kind: "overloaded" } };
        return { json: n === 5 ? { ...goodLabel(5), subject: "Added marker." } : goodLabel(n), usage };
      },
      respond: (request) => ({ json: goodLabel(diffNumberOf(request)), usage }),
    });
    const state = memoryState();
    const tally = await run(labeler, cache, state);

    expect(fake.batches.size).toBe(1);
    const [batch] = fake.batches.values();
    expect(batch!.polls).toBeGreaterThanOrEqual(3);
    expect(batch!.requests[0]!.params).toMatchObject({ model: "claude-haiku-4-5", output_config: { format: { type: "json_schema" } } });
    expect(tally.labeled).toBe(5);
    expect(tally.failed).toEqual([{ id: "alpha-0004", repository: "acme/alpha", error: "batch request errored: overloaded_error: fake batch fault: overloaded" }]);
    // Diff 5's batch answer broke the rules; it was asked again directly, at full price, with the error.
    expect(fake.messageRequests().map((r) => diffNumberOf(r.body))).toEqual([5]);
    const perBatchAnswer = (1000 * 1 + 100 * 5) / 1e6 / 2;
    const direct = (fake.messageRequests()[0]!.body as { messages: unknown[] }).messages;
    expect(direct).toHaveLength(3);
    expect(cache.get(labelKey(labeler, 0))?.usage?.costUsd).toBeCloseTo(perBatchAnswer, 12);
    expect(cache.get(labelKey(labeler, 5))?.usage?.costUsd).toBeCloseTo(perBatchAnswer + perBatchAnswer * 2, 12);
    expect(state.saves[0]).toMatchObject({ batch: { id: batch!.batch.id, requests: 6 } });
    expect(state.get().batch).toBeNull();
  });

  it("resumes the saved batch after an interruption while polling, without submitting another", async () => {
    const { fake, labeler, cache } = await setup({ pollsUntilEnded: 4, batchRespond: (request) => ({ json: goodLabel(diffNumberOf(request)) }) });
    const state = memoryState();
    const controller = new AbortController();
    const interrupted = labelInBatches(pendingItems(items, labeler, cache), {
      labeler,
      cache,
      pollIntervalMs: 10,
      signal: controller.signal,
      state,
      log: (line) => line.includes("in_progress") && controller.abort("SIGINT"),
    });
    await expect(interrupted).rejects.toThrow();
    const saved = (state.get().batch as { id: string }).id;
    expect(saved).toMatch(/^msgbatch_/);

    const lines: string[] = [];
    const tally = await labelInBatches(pendingItems(items, labeler, cache), { labeler, cache, pollIntervalMs: 10, signal: new AbortController().signal, state, log: (l) => lines.push(l) });
    expect(lines[0]).toContain(`resuming Message Batch ${saved}`);
    expect(fake.batches.size).toBe(1);
    expect(tally).toMatchObject({ labeled: 6, failed: [] });
    expect(pendingItems(items, labeler, cache)).toEqual([]);
  });

  it("submits anew when the saved batch is unknown to the API", async () => {
    const { fake, labeler, cache } = await setup({ pollsUntilEnded: 1, batchRespond: (request) => ({ json: goodLabel(diffNumberOf(request)) }) });
    const state = memoryState({ batch: { id: "msgbatch_gone", submittedAt: "2026-01-01T00:00:00Z", requests: 6 } });
    const tally = await run(labeler, cache, state);
    expect(tally.labeled).toBe(6);
    expect([...fake.batches.keys()]).toHaveLength(1);
  });
});

const labelKey = (labeler: ClaudeLabeler, n: number) => labelCacheKey(rawDiff(n), labeler);
