import { DEFAULT_CONFIG } from "../../runbook/00-config.js";
import { appendFile, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InterruptedError } from "../../lib/core/errors.js";
import { createOllamaGenerator } from "../../lib/benchmark/generators/ollama.js";
import type { Case } from "../../lib/core/records.js";
import { RunSchema, executeRun, loadRun, partialRunFile, runFile, runIdFor } from "../../lib/benchmark/runs.js";
import { type FakeOllama, type OllamaReply, startFakeOllama, promptOf } from "../fakes/ollama.ts";
import { REPO_ROOT, startTsx, tempDir } from "../helpers/process.js";

const CASES: Case[] = Array.from({ length: 8 }, (_, i) => ({
  id: `c${i}`,
  diff: `diff --git a/file${i}.ts b/file${i}.ts`,
  expectedMessage: `fix: repair file ${i}`,
  repository: "r",
  commitHash: String(i),
  metadata: {},
}));

let replyFor: (i: number) => OllamaReply = (i) => ({ text: `fix: repair file ${i}` });
let ollama: FakeOllama;
beforeAll(async () => {
  ollama = await startFakeOllama({
    models: ["joco", "llama3.2:1b"],
    respond: (request) => {
      const prompt = promptOf(request);
      return replyFor(CASES.findIndex((c) => prompt.includes(c.diff)));
    },
  });
});
afterAll(() => ollama.close());

/** The case index each generation request was for, in arrival order. */
const requestedCases = (from = 0) =>
  ollama
    .generationRequests()
    .slice(from)
    .map((r) => CASES.findIndex((c) => JSON.stringify(r.body).includes(JSON.stringify(c.diff).slice(1, -1))));

const generator = (seed = 42) =>
  createOllamaGenerator({ host: ollama.url, model: "joco", mode: "free", prompt: "training", types: DEFAULT_CONFIG.conventional.types, temperature: 0.7, topP: 0.9, numPredict: 256, seed, numCtx: 4096 });
const options = async (dir: string, signal = new AbortController().signal) => ({
  dir,
  generator: await generator(),
  cases: CASES,
  casesFile: "cases.jsonl",
  types: DEFAULT_CONFIG.conventional.types,
  concurrency: 1,
  signal,
});
const caseLines = async (file: string) =>
  (await readFile(file, "utf8")).split("\n").filter((line) => line.includes('"kind":"case"')).map((line) => JSON.parse(line) as { id: string });

describe("benchmark runs", () => {
  it("resumes an interrupted run without asking again for finished cases", async () => {
    const dir = await tempDir();
    const controller = new AbortController();
    const first = await options(dir, controller.signal);
    const before = ollama.generationRequests().length;
    await expect(executeRun({ ...first, onProgress: (done) => done === 3 && controller.abort("SIGINT") })).rejects.toThrow(InterruptedError);
    const runId = runIdFor(first.generator, CASES);
    expect((await caseLines(partialRunFile(dir, runId))).map((l) => l.id)).toEqual(["c0", "c1", "c2"]);

    const resumed = await executeRun(await options(dir));
    expect(resumed).toMatchObject({ generated: 5, reused: false });
    expect(requestedCases(before)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]); // each case asked once over both calls
    expect(resumed.run.results.map((r) => r.id)).toEqual(CASES.map((c) => c.id));
    expect(resumed.run.metrics.formatCompliance).toBe(1);
    expect(RunSchema.parse(JSON.parse(await readFile(runFile(dir, runId), "utf8")))).toEqual(resumed.run);
    expect(await readdir(dir)).toEqual([`${runId}.json`]); // the partial file is gone

    const again = await executeRun(await options(dir));
    expect(again).toMatchObject({ generated: 0, reused: true });
    expect(ollama.generationRequests().length).toBe(before + 8);
  });

  it("drops a torn last line, retries failed cases on resume, and starts over with force", async () => {
    const dir = await tempDir();
    replyFor = (i) => (i === 2 ? { fault: { kind: "server_error" } } : { text: `fix: repair file ${i}` });
    const controller = new AbortController();
    const first = await options(dir, controller.signal);
    await expect(executeRun({ ...first, onProgress: (done) => done === 4 && controller.abort("SIGINT") })).rejects.toThrow(InterruptedError);
    const partial = partialRunFile(dir, runIdFor(first.generator, CASES));
    await appendFile(partial, '{"kind":"case","id":"c4","outp'); // a crash mid-append

    replyFor = (i) => ({ text: `fix: repair file ${i}` });
    const before = ollama.generationRequests().length;
    const { run } = await executeRun(await options(dir));
    expect(requestedCases(before)).toEqual([2, 4, 5, 6, 7]); // the failed c2 again, the torn c4, and the rest
    expect(run.metrics.failed).toBe(0);

    const forced = await executeRun({ ...(await options(dir)), force: true });
    expect(forced.generated).toBe(8);
  });

  it("gives different settings a different run id, and names a missing run", async () => {
    expect(runIdFor(await generator(1), CASES)).not.toBe(runIdFor(await generator(2), CASES));
    expect(runIdFor(await generator(1), CASES)).toMatch(/^joco-free-[0-9a-f]{10}$/);
    expect(runIdFor(await generator(1), CASES.slice(1))).not.toBe(runIdFor(await generator(1), CASES));
    await expect(loadRun(await tempDir(), "nope")).rejects.toThrow(/No benchmark run .*nope\.json/);
  });

  it("resumes after kill -9 of a real 08-benchmark process, asking only for the unfinished cases", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "cases.jsonl"), CASES.map((c) => JSON.stringify(c)).join("\n") + "\n");
    replyFor = (i) => ({ text: `fix: repair file ${i}`, delayMs: 150 });
    const env = { OLLAMA_HOST: ollama.url };
    const args = ["--cases", "cases.jsonl", "--model", "joco"];
    const before = ollama.generationRequests().length;

    const killed = startTsx(join(REPO_ROOT, "runbook/08-benchmark.ts"), args, { cwd: dir, env });
    const runsDir = join(dir, "benchmark/runs");
    const partialName = async () => (await readdir(runsDir).catch(() => [])).find((n) => n.endsWith(".partial.jsonl"));
    for (let name = await partialName(); !name || (await caseLines(join(runsDir, name))).length < 3; name = await partialName()) {
      if (killed.child.exitCode !== null) throw new Error(`08-benchmark ended before it was killed:\n${killed.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    killed.child.kill("SIGKILL");
    expect((await killed.result).signal).toBe("SIGKILL");
    const finished = (await caseLines(join(runsDir, (await partialName())!))).map((l) => CASES.findIndex((c) => c.id === l.id));
    const askedBeforeKill = ollama.generationRequests().length;

    const rerun = startTsx(join(REPO_ROOT, "runbook/08-benchmark.ts"), args, { cwd: dir, env });
    const result = await rerun.result;
    expect(result.code, rerun.output()).toBe(0);
    const askedAfter = requestedCases(askedBeforeKill);
    expect(askedAfter.filter((i) => finished.includes(i))).toEqual([]);
    expect(askedAfter.sort()).toEqual(CASES.map((_, i) => i).filter((i) => !finished.includes(i)));
    expect(result.stdout).toContain(`${8 - finished.length} generated, ${finished.length} resumed`);
    expect(requestedCases(before).length).toBeLessThanOrEqual(9); // at most the one in flight at the kill was asked twice

    const [runName] = (await readdir(runsDir)).filter((n) => n.startsWith("joco-"));
    const run = await loadRun(runsDir, join(runsDir, runName!));
    expect(run.results.map((r) => r.id)).toEqual(CASES.map((c) => c.id));
    expect(run.metrics).toMatchObject({ cases: 8, failed: 0, formatCompliance: 1, typeAccuracy: 1 });
  });
});
