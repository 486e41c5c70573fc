// Labeling many diffs at once through the real SDK against a fake API that
// injects latency, 429 with retry-after, 529, 500, unreadable bodies and
// answers that break the schema: every diff ends labeled or explicitly failed,
// the server never sees more requests at once than the configured concurrency,
// and a re-run asks only for what failed.
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openLabelCache } from "../../lib/label/cache.js";
import { labelConcurrently, pendingItems, readRawSources, writeLabeledFiles } from "../../lib/label/run.js";
import { summarizeLabeling } from "../../lib/label/summary.js";
import { createLabeler } from "../../lib/label/labelers/index.js";
import { writeJsonlAtomic, readJsonl } from "../../lib/core/jsonl.js";
import { LabeledSchema } from "../../lib/core/records.js";
import { DEFAULT_CONFIG } from "../../runbook/00-config.js";
import { type AnthropicReply, type AnthropicRespond, startFakeAnthropic } from "../fakes/anthropic.ts";
import { countPerDiff, diffNumberOf, goodLabel, rawDiff } from "../helpers/labels.js";
import { tempDir } from "../helpers/process.js";

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

const CONCURRENCY = 3;
const fast = { "retry-after-ms": "20" }; // keeps the SDK's backoff short; the 429 case tests the real retry-after

/** Per diff: the answers it gets, attempt by attempt (the last one repeats). */
const script: Record<number, AnthropicReply[]> = {
  0: [{ fault: { kind: "rate_limit", retryAfterSeconds: 1 } }, { json: goodLabel(0) }],
  1: [{ fault: { kind: "overloaded", headers: fast } }, { json: goodLabel(1) }],
  2: [{ fault: { kind: "api_error", headers: fast } }, { json: goodLabel(2) }],
  3: [{ fault: { kind: "api_error", headers: fast } }],
  4: [{ fault: { kind: "malformed" } }, { json: goodLabel(4) }],
  5: [{ json: { ...goodLabel(5), type: "feature" } }],
  6: [{ text: "Sure! Here is the label: feat: add marker" }, { json: goodLabel(6) }],
  7: [{ fault: { kind: "overloaded", headers: fast } }],
};

function scripted(): AnthropicRespond {
  const attempts = new Map<number, number>();
  return (request) => {
    const n = diffNumberOf(request);
    const attempt = attempts.get(n) ?? 0;
    attempts.set(n, attempt + 1);
    const replies = script[n] ?? [{ json: goodLabel(n) }];
    return replies[Math.min(attempt, replies.length - 1)]!;
  };
}

async function setup(respond: AnthropicRespond) {
  const fake = await startFakeAnthropic({ apiKey: "sk-test", latencyMs: 40, respond });
  closers.push(fake.close);
  const { labeler } = await createLabeler(
    { ...DEFAULT_CONFIG.labeling, backend: "claude", maxRetries: 2, types: DEFAULT_CONFIG.conventional.types, client: { baseURL: fake.url, apiKey: "sk-test" } },
    {},
  );
  return { fake, labeler };
}

describe("labeling a dataset", () => {
  it("ends every diff labeled or failed under faults, within the concurrency, and re-runs only the failed ones", async () => {
    const dir = await tempDir();
    const items = Array.from({ length: 24 }, (_, n) => rawDiff(n));
    await writeJsonlAtomic(join(dir, "raw/alpha.jsonl"), items);
    const sources = await readRawSources(join(dir, "raw"), ["alpha"]);
    const { fake, labeler } = await setup(scripted());
    const cache = await openLabelCache(join(dir, "cache.jsonl"));
    const signal = new AbortController().signal;

    const tally = await labelConcurrently(pendingItems(items, labeler, cache), { labeler, cache, concurrency: CONCURRENCY, signal });

    expect(tally.failed.map((f) => f.id).sort()).toEqual(["alpha-0003", "alpha-0005", "alpha-0007"]);
    expect(tally.failed.find((f) => f.id === "alpha-0003")?.error).toBe("500 api_error: Internal server error");
    expect(tally.failed.find((f) => f.id === "alpha-0007")?.error).toBe("529 overloaded_error: Overloaded");
    expect(tally.failed.find((f) => f.id === "alpha-0005")?.error).toMatch(/^invalid answer after one re-ask: .*type/);
    expect(tally.labeled).toBe(21);
    expect(pendingItems(items, labeler, cache).map((i) => i.id).sort()).toEqual(["alpha-0003", "alpha-0005", "alpha-0007"]);
    expect(fake.maxInFlight).toBe(CONCURRENCY);

    const perDiff = countPerDiff(fake.messageRequests());
    expect(Object.fromEntries([0, 1, 2, 3, 4, 5, 6, 7, 8].map((n) => [n, perDiff.get(n)]))).toEqual({ 0: 2, 1: 2, 2: 2, 3: 3, 4: 2, 5: 2, 6: 2, 7: 3, 8: 1 });
    const [rateLimited, retried] = fake.messageRequests().filter((r) => diffNumberOf(r.body) === 0);
    expect(retried!.at - rateLimited!.at).toBeGreaterThanOrEqual(950); // retry-after: 1

    const records = await writeLabeledFiles(join(dir, "labeled"), sources, labeler, cache);
    expect((await readJsonl(join(dir, "labeled/alpha.jsonl"), LabeledSchema)).map((r) => r.id)).toEqual(records.map((r) => r.id));
    const summary = summarizeLabeling(labeler, items.length, records, tally);
    expect(summary).toMatchObject({ labeled: 21, labeledNow: 21, failed: 3, types: { feat: 21 } });
    expect(summary.tokens.input).toBeGreaterThan(0);
    expect(summary.costUsd).toBeGreaterThan(summary.datasetCostUsd); // failed attempts cost too

    const before = fake.messageRequests().length;
    const again = await openLabelCache(join(dir, "cache.jsonl"));
    const { fake: healthy, labeler: sameLabeler } = await setup((request) => ({ json: goodLabel(diffNumberOf(request)) }));
    const retry = await labelConcurrently(pendingItems(items, sameLabeler, again), { labeler: sameLabeler, cache: again, concurrency: CONCURRENCY, signal });
    expect(retry).toMatchObject({ labeled: 3, failed: [] });
    expect([...countPerDiff(healthy.messageRequests()).keys()].sort()).toEqual([3, 5, 7]);
    expect(fake.messageRequests()).toHaveLength(before);
  });

  it("asks once for a diff that appears twice, and labels both records", async () => {
    const dir = await tempDir();
    const twin = { ...rawDiff(1), id: "beta-0001", repository: "acme/beta" };
    const items = [rawDiff(0), rawDiff(1), twin];
    await writeJsonlAtomic(join(dir, "raw/alpha.jsonl"), items);
    const { fake, labeler } = await setup((request) => ({ json: goodLabel(diffNumberOf(request)) }));
    const cache = await openLabelCache(join(dir, "cache.jsonl"));
    const pending = pendingItems(items, labeler, cache);
    expect(pending.map((item) => item.id)).toEqual(["alpha-0000", "alpha-0001"]);
    await labelConcurrently(pending, { labeler, cache, concurrency: 2, signal: new AbortController().signal });
    expect(fake.messageRequests()).toHaveLength(2);
    const records = await writeLabeledFiles(join(dir, "labeled"), await readRawSources(join(dir, "raw"), ["alpha"]), labeler, cache);
    expect(records.map((record) => [record.id, record.message])).toEqual([
      ["alpha-0000", "feat(core): add marker 0"],
      ["alpha-0001", "feat(core): add marker 1"],
      ["beta-0001", "feat(core): add marker 1"],
    ]);
  });

  it("starts nothing new once aborted and keeps what finished", async () => {
    const dir = await tempDir();
    const items = Array.from({ length: 12 }, (_, n) => rawDiff(n));
    const { fake, labeler } = await setup((request) => ({ json: goodLabel(diffNumberOf(request)), delayMs: 100 }));
    const cache = await openLabelCache(join(dir, "cache.jsonl"));
    const controller = new AbortController();
    const run = labelConcurrently(items, {
      labeler,
      cache,
      concurrency: 2,
      signal: controller.signal,
      onProgress: (done) => done === 2 && controller.abort("SIGINT"),
    });
    const tally = await run;
    expect(tally.failed).toEqual([]);
    expect(tally.labeled).toBe(2);
    expect(fake.messageRequests().length).toBeLessThanOrEqual(4);
    expect(pendingItems(items, labeler, await openLabelCache(join(dir, "cache.jsonl")))).toHaveLength(10);
  });
});
