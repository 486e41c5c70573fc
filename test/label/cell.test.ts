// 03-label as a user runs it: `tsx runbook/03-label.ts` in a project folder
// (raw diffs and a checkpoints.json with 01/02 done, made by the test), the
// SDK pointed at the fake by ANTHROPIC_BASE_URL. Killed with SIGKILL mid-run
// and while polling a batch; re-runs finish without asking for a label twice;
// the API key is in no file the runbook writes and in none of its output.
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readCheckpoints } from "../../lib/core/checkpoints.js";
import { readJsonlIfExists } from "../../lib/core/jsonl.js";
import { LabelCacheEntrySchema } from "../../lib/label/cache.js";
import type { RawDiff } from "../../lib/core/records.js";
import { type FakeAnthropicOptions, startFakeAnthropic } from "../fakes/anthropic.ts";
import { labelProject, labeledIds, twoRepositories } from "../helpers/label-project.js";
import { countPerDiff, diffNumberOf, goodLabel } from "../helpers/labels.js";
import { REPO_ROOT, type ProcessResult, runTsx, startTsx } from "../helpers/process.js";

const CELL = join(REPO_ROOT, "runbook/03-label.ts");
const SECRET = "sk-ant-test-0123456789-do-not-leak";
const CONCURRENCY = 2;

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function fakeApi(options: FakeAnthropicOptions) {
  const fake = await startFakeAnthropic({ apiKey: SECRET, respond: (request) => ({ json: goodLabel(diffNumberOf(request)) }), ...options });
  closers.push(fake.close);
  return fake;
}

const dataset = twoRepositories;
const project = (sources: Record<string, RawDiff[]>) => labelProject(sources, { concurrency: CONCURRENCY, maxRetries: 0, batchPollIntervalMs: 100 });

const envFor = (url: string, key = SECRET) => ({ ANTHROPIC_BASE_URL: url, ANTHROPIC_API_KEY: key });
const cacheOf = (dir: string) => readJsonlIfExists(join(dir, "dataset/label-cache.jsonl"), LabelCacheEntrySchema);

async function until(condition: () => Promise<boolean> | boolean, what: string, ms = 20_000): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Every file under the project folder, and everything the processes printed: none may hold the key. */
async function expectKeyNowhere(dir: string, results: ProcessResult[]): Promise<void> {
  const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  expect(files.length).toBeGreaterThanOrEqual(5);
  for (const file of files) expect(await readFile(file, "utf8"), file).not.toContain(SECRET);
  for (const result of results) expect(result.stdout + result.stderr).not.toContain(SECRET);
}

describe("03-label in a real process", () => {
  it("resumes after kill -9 mid-run: the rest is labeled, nothing twice, no label asked for again", async () => {
    const fake = await fakeApi({ latencyMs: 150 });
    const dir = await project(dataset(30));
    const first = startTsx(CELL, [], { cwd: dir, env: envFor(fake.url) });
    await until(async () => (await cacheOf(dir)).length >= 6, "six labels in the cache");
    first.child.kill("SIGKILL");
    const killed = await first.result;
    expect(killed.signal).toBe("SIGKILL");

    const cachedBeforeRerun = new Set((await cacheOf(dir)).map((entry) => entry.id));
    expect(cachedBeforeRerun.size).toBeLessThan(30);
    expect((await readCheckpoints(dir)).cells["03-label"]?.status).toBe("running");
    const askedBeforeRerun = fake.messageRequests().length;

    const rerun = await runTsx(CELL, [], { cwd: dir, env: envFor(fake.url) });
    expect(rerun.stderr).toBe("");
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toContain(`30 diffs, ${30 - cachedBeforeRerun.size} to label`);

    const cachedNumbers = new Set([...cachedBeforeRerun].map((id) => Number(id.slice(-4))));
    const askedInRerun = fake.messageRequests().slice(askedBeforeRerun).map((r) => diffNumberOf(r.body));
    expect(askedInRerun.length).toBeGreaterThanOrEqual(30 - cachedBeforeRerun.size);
    expect(askedInRerun.filter((n) => cachedNumbers.has(n))).toEqual([]);
    const perDiff = [...countPerDiff(fake.messageRequests()).values()];
    expect(perDiff).toHaveLength(30);
    // Only a request in flight at the kill was sent twice: its answer never reached the cache.
    expect(perDiff.filter((count) => count === 2).length).toBeLessThanOrEqual(CONCURRENCY);
    expect(Math.max(...perDiff)).toBeLessThanOrEqual(2);
    expect(fake.maxInFlight).toBeLessThanOrEqual(CONCURRENCY);

    const sources = dataset(30);
    expect(await labeledIds(dir, "alpha")).toEqual(sources.alpha!.map((item) => item.id));
    expect(await labeledIds(dir, "beta")).toEqual(sources.beta!.map((item) => item.id));
    const record = (await readCheckpoints(dir)).cells["03-label"];
    expect(record).toMatchObject({ status: "done", outputs: { labeled: 30, labeledNow: 30 - cachedBeforeRerun.size, failed: 0 } });
    await expectKeyNowhere(dir, [killed, rerun]);
  });

  it("stops on Ctrl-C with the cell interrupted and every finished label kept", async () => {
    const fake = await fakeApi({ latencyMs: 150 });
    const dir = await project(dataset(30));
    const run = startTsx(CELL, [], { cwd: dir, env: envFor(fake.url) });
    await until(async () => (await cacheOf(dir)).length >= 4, "four labels in the cache");
    run.child.kill("SIGINT");
    const stopped = await run.result;
    expect(stopped.code).toBe(130);
    expect((await readCheckpoints(dir)).cells["03-label"]?.status).toBe("interrupted");
    const cached = (await cacheOf(dir)).map((entry) => entry.id);
    expect(cached.length).toBeLessThan(30);
    expect([...(await labeledIds(dir, "alpha")), ...(await labeledIds(dir, "beta"))].sort()).toEqual([...cached].sort());

    const rerun = await runTsx(CELL, [], { cwd: dir, env: envFor(fake.url) });
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toContain(`30 diffs, ${30 - cached.length} to label`);
  });

  it("fails when a diff could not be labeled, keeps the rest, and a re-run asks only for that one", async () => {
    const broken = await fakeApi({
      respond: (request) => {
        const n = diffNumberOf(request);
        return n === 2 ? { fault: { kind: "error", status: 400, type: "invalid_request_error", message: "prompt is too long" } } : { json: goodLabel(n) };
      },
    });
    const dir = await project(dataset(6));
    const failed = await runTsx(CELL, [], { cwd: dir, env: envFor(broken.url) });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain("✗ alpha-0002: 400 invalid_request_error: prompt is too long");
    expect(failed.stderr).toMatch(/1 of 6 diffs could not be labeled[\s\S]*Re-run the same command: only the failed diffs are asked again/);
    const record = (await readCheckpoints(dir)).cells["03-label"];
    expect(record).toMatchObject({ status: "failed", state: { failures: [{ id: "alpha-0002", error: "400 invalid_request_error: prompt is too long" }] } });
    expect(await labeledIds(dir, "alpha")).toEqual(["alpha-0000", "alpha-0001"]);

    const healthy = await fakeApi({});
    const rerun = await runTsx(CELL, [], { cwd: dir, env: envFor(healthy.url) });
    expect(rerun.code).toBe(0);
    expect(healthy.messageRequests().map((r) => diffNumberOf(r.body))).toEqual([2]);
    expect(await labeledIds(dir, "alpha")).toEqual(["alpha-0000", "alpha-0001", "alpha-0002"]);
    await expectKeyNowhere(dir, [failed, rerun]);
  });

  it("--batch: after kill -9 while polling, the re-run resumes the same batch and submits none", async () => {
    const fake = await fakeApi({ pollsUntilEnded: 10 });
    const dir = await project(dataset(8));
    const first = startTsx(CELL, ["--batch"], { cwd: dir, env: envFor(fake.url) });
    await until(() => [...fake.batches.values()].some((batch) => batch.polls >= 2), "two polls of the batch");
    first.child.kill("SIGKILL");
    const killed = await first.result;
    const [batchId] = fake.batches.keys();
    expect(killed.stdout).toContain(`submitted Message Batch ${batchId} with 8 requests`);
    expect((await readCheckpoints(dir)).cells["03-label"]?.state).toMatchObject({ batch: { id: batchId, requests: 8 } });

    const rerun = await runTsx(CELL, ["--batch"], { cwd: dir, env: envFor(fake.url) });
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toContain(`resuming Message Batch ${batchId} (8 requests`);
    expect(rerun.stdout).toMatch(new RegExp(`batch ${batchId}: ended, 8/8 done`));
    expect(fake.batches.size).toBe(1);
    expect(fake.messageRequests()).toHaveLength(0);
    expect(await labeledIds(dir, "alpha")).toHaveLength(4);
    expect(await labeledIds(dir, "beta")).toHaveLength(4);
    const record = (await readCheckpoints(dir)).cells["03-label"];
    expect(record).toMatchObject({ status: "done", state: { batch: null }, outputs: { labeled: 8 } });
    expect((record?.outputs as { costUsd: number }).costUsd).toBeGreaterThan(0);
    await expectKeyNowhere(dir, [killed, rerun]);
  });

  it("falls back to the original messages without a key, and says so", async () => {
    const sources = dataset(4);
    sources.alpha![1] = { ...sources.alpha![1]!, originalMessage: "Fix the thing." };
    const dir = await project(sources);
    const result = await runTsx(CELL, [], { cwd: dir, env: { ANTHROPIC_API_KEY: "", ANTHROPIC_BASE_URL: "http://127.0.0.1:9" } });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("labeler: original (backend auto, and ANTHROPIC_API_KEY is not set)");
    expect(result.stdout).toMatch(/skipped\s*│\s*1 not conventional: /);
    expect(await labeledIds(dir, "alpha")).toEqual(["alpha-0000"]);
    expect((await readCheckpoints(dir)).cells["03-label"]).toMatchObject({ status: "done", outputs: { backend: "original", labeled: 3, skipped: 1, costUsd: 0 } });
  });
});
