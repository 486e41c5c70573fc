// 03-label in a real process against the Anthropic stand-in, where a run must
// stop at once (a refused key, an unreachable API) and where a few diffs that
// no answer fits must not block the pipeline (labeling.maxFailedFraction).
import { afterEach, describe, expect, it } from "vitest";
import { join } from "node:path";
import { readCheckpoints } from "../../lib/core/checkpoints.js";
import { type FakeAnthropicOptions, startFakeAnthropic } from "../fakes/anthropic.ts";
import { labelProject, labeledIds, twoRepositories } from "../helpers/label-project.js";
import { diffNumberOf, goodLabel } from "../helpers/labels.js";
import { REPO_ROOT, runTsx } from "../helpers/process.js";

const CELL = join(REPO_ROOT, "runbook/03-label.ts");
const KEY = "sk-ant-test-right-key";
const CONCURRENCY = 3;

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function fakeApi(options: FakeAnthropicOptions) {
  const fake = await startFakeAnthropic({ apiKey: KEY, respond: (request) => ({ json: goodLabel(diffNumberOf(request)) }), ...options });
  closers.push(fake.close);
  return fake;
}

const project = (n: number) => labelProject(twoRepositories(n), { concurrency: CONCURRENCY, maxRetries: 0 });
const label = (dir: string, env: NodeJS.ProcessEnv) => runTsx(CELL, [], { cwd: dir, env });
const occurrences = (text: string, part: string) => text.split(part).length - 1;
/** An answer that stays invalid after the re-ask: its header is far over 72 characters. */
const hopeless = (n: number) => ({ json: { ...goodLabel(n), subject: `add marker ${n} ${"and more ".repeat(10)}` } });

describe("03-label stops at once when no diff can succeed", () => {
  it("stops after the first 401 with one message naming ANTHROPIC_API_KEY; at most `concurrency` requests arrive", async () => {
    const fake = await fakeApi({ latencyMs: 50 });
    const dir = await project(40);
    const result = await label(dir, { ANTHROPIC_BASE_URL: fake.url, ANTHROPIC_API_KEY: "sk-ant-wrong" });
    expect(result.code).toBe(1);
    expect(fake.messageRequests().length).toBeGreaterThan(0);
    expect(fake.messageRequests().length).toBeLessThanOrEqual(CONCURRENCY);
    const output = result.stdout + result.stderr;
    expect(occurrences(output, "401 authentication_error")).toBe(1);
    expect(result.stderr).toContain("The Anthropic API refused the key (401 authentication_error: invalid x-api-key): ANTHROPIC_API_KEY is wrong");
    expect(result.stderr).toContain("→ Set ANTHROPIC_API_KEY to a valid key");
    expect(output).not.toContain("Re-run the same command");
    expect((await readCheckpoints(dir)).cells["03-label"]).toMatchObject({ status: "failed" });
  });

  it("offline, names the host it tried and suggests --backend original", async () => {
    const dir = await project(10);
    const result = await label(dir, { ANTHROPIC_BASE_URL: "http://127.0.0.1:9", ANTHROPIC_API_KEY: KEY });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Cannot reach the Anthropic API at http://127.0.0.1:9 (ANTHROPIC_BASE_URL): Connection error.");
    expect(result.stderr).toContain("--backend original");
    expect(occurrences(result.stdout + result.stderr, "Connection error.")).toBe(1);
  });
});

describe("labeling.maxFailedFraction (0.02)", () => {
  it("with 1 of 100 diffs unlabelable, is done: the failure is listed and kept out of the labeled files", async () => {
    const fake = await fakeApi({ respond: (request) => (diffNumberOf(request) === 7 ? hopeless(7) : { json: goodLabel(diffNumberOf(request)) }) });
    const dir = await project(100);
    const result = await label(dir, { ANTHROPIC_BASE_URL: fake.url, ANTHROPIC_API_KEY: KEY });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("✗ alpha-0007: invalid answer after one re-ask: the header is 114 characters, more than 72");
    expect(result.stdout).toContain("1 of 100 diffs (1.0%) could not be labeled: within labeling.maxFailedFraction 2.0%");
    const record = (await readCheckpoints(dir)).cells["03-label"];
    expect(record).toMatchObject({ status: "done", outputs: { labeled: 99, failed: 1, failures: [{ id: "alpha-0007", repository: "acme/alpha" }] } });
    expect(record?.summary).toContain("1 failed (alpha-0007 left out)");
    expect(await labeledIds(dir, "alpha")).toHaveLength(49);
    expect(await labeledIds(dir, "alpha")).not.toContain("alpha-0007");
  });

  it("with 10 of 100 unlabelable, fails and says by how much", async () => {
    const fake = await fakeApi({ respond: (request) => (diffNumberOf(request) % 10 === 3 ? hopeless(diffNumberOf(request)) : { json: goodLabel(diffNumberOf(request)) }) });
    const dir = await project(100);
    const result = await label(dir, { ANTHROPIC_BASE_URL: fake.url, ANTHROPIC_API_KEY: KEY });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("10 of 100 diffs could not be labeled (10.0%, above labeling.maxFailedFraction 2.0%)");
    expect((await readCheckpoints(dir)).cells["03-label"]).toMatchObject({ status: "failed", state: { failures: expect.arrayContaining([expect.objectContaining({ id: "alpha-0003" })]) } });
    expect([...(await labeledIds(dir, "alpha")), ...(await labeledIds(dir, "beta"))]).toHaveLength(90);
  });
});
