/**
 * Labels N diffs with the claude labeler (real SDK, label cache, commitlint
 * validation) against the fake Anthropic API with a fixed latency, and prints
 * the wall time beside the ideal N·latency/concurrency. Target: at most 1.2×.
 * The fake runs in this process, so its CPU time counts against the labeler's.
 *   npx tsx bench/label.ts [n=300] [latencyMs=100] [concurrency=4]
 * Uses the real diffs of ../shared/data (beside the checkout) when present, synthetic ones otherwise.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { DEFAULT_CONFIG } from "../runbook/00-config.js";
import { openLabelCache } from "../lib/label/cache.js";
import { labelConcurrently } from "../lib/label/run.js";
import { createLabeler } from "../lib/label/labelers/index.js";
import { ruleViolations } from "../lib/label/labelers/rules.js";
import type { RawDiff } from "../lib/core/records.js";
import { startFakeAnthropic } from "../test/fakes/anthropic.ts";
import { rawDiff } from "../test/helpers/labels.js";
import { tempDir } from "../test/helpers/process.js";

const [n = 300, latencyMs = 100, concurrency = 4] = process.argv.slice(2).map(Number);
const SHARED = join(import.meta.dirname, "../../shared/data/vue.jsonl");

async function diffs(count: number): Promise<{ items: RawDiff[]; source: string }> {
  try {
    const lines = (await readFile(SHARED, "utf8")).split("\n").filter(Boolean).slice(0, count);
    const items = lines.map((line, i) => ({ ...rawDiff(i), diff: (JSON.parse(line) as { diff: string }).diff }));
    if (items.length === count) return { items, source: SHARED };
  } catch {
    // Not on this machine: synthetic diffs label the same way.
  }
  return { items: Array.from({ length: count }, (_, i) => rawDiff(i)), source: "synthetic" };
}

const { items, source } = await diffs(n);
const fake = await startFakeAnthropic({
  latencyMs,
  respond: () => ({ json: { type: "fix", scope: "core", breaking: false, subject: "handle the change", body: null } }),
});
const { labeler } = await createLabeler(
  { ...DEFAULT_CONFIG.labeling, backend: "claude", types: DEFAULT_CONFIG.conventional.types, client: { baseURL: fake.url, apiKey: "bench" } },
  {},
);
const cache = await openLabelCache(join(await tempDir("joco-bench-label-"), "cache.jsonl"));
// commitlint loads once per process (about half a second); timed apart, so the ratio is the steady state.
const loadStarted = process.hrtime.bigint();
await ruleViolations("chore: warm up", DEFAULT_CONFIG.conventional.types);
const loadMs = Number(process.hrtime.bigint() - loadStarted) / 1e6;

const started = process.hrtime.bigint();
const tally = await labelConcurrently(items, { labeler, cache, concurrency, signal: new AbortController().signal });
const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
await fake.close();

const idealMs = (n * latencyMs) / concurrency;
console.log(`diffs:                       ${n} (${source})`);
console.log(`latency per request:         ${latencyMs} ms, concurrency ${concurrency}`);
console.log(`labeled / failed:            ${tally.labeled} / ${tally.failed.length}`);
console.log(`requests, most in flight:    ${fake.messageRequests().length}, ${fake.maxInFlight}`);
console.log(`commitlint load (once):      ${loadMs.toFixed(0)} ms`);
console.log(`wall time:                   ${wallMs.toFixed(0)} ms`);
console.log(`N·latency/concurrency:       ${idealMs.toFixed(0)} ms`);
console.log(`ratio:                       ${(wallMs / idealMs).toFixed(2)}× (target ≤ 1.2×); ${((wallMs + loadMs) / idealMs).toFixed(2)}× with the load`);
