import { mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeOllama, startFakeOllama } from "../fakes/ollama.ts";
import { REPO_ROOT, runTsx, tempDir } from "../helpers/process.js";

const CELL = join(REPO_ROOT, "runbook/08-benchmark.ts");
const CASES = [
  { id: "c0", diff: "diff 0", expectedMessage: "feat(ui): add dark mode", repository: "r", commitHash: "0" },
  { id: "c1", diff: "diff 1", expectedMessage: "fix: handle empty input", repository: "r", commitHash: "1" },
  { id: "c2", diff: "diff 2", expectedMessage: "docs: fix typo in readme", repository: "r", commitHash: "2" },
];

let ollama: FakeOllama;
beforeAll(async () => {
  ollama = await startFakeOllama({
    models: ["joco", "llama3.2:1b"],
    respond: (request) => {
      if (request.body.format) return { json: { type: "fix", scope: null, breaking: false, description: "handle empty input", body: null } };
      if (request.body.model !== "joco") return "Here is a commit message: Updated files.";
      return CASES.find((c) => request.endpoint === "generate" && request.body.prompt!.includes(c.diff))!.expectedMessage;
    },
  });
});
afterAll(() => ollama.close());

async function project(): Promise<string> {
  const dir = await tempDir();
  await mkdir(join(dir, "benchmark/cases"), { recursive: true });
  await writeFile(join(dir, "benchmark/cases/held-out.jsonl"), CASES.map((c) => JSON.stringify(c)).join("\n") + "\n");
  return dir;
}
const cell = (dir: string, args: string[], host = ollama.url) => runTsx(CELL, args, { cwd: dir, env: { OLLAMA_HOST: host } });
const rowOf = (stdout: string, label: string) => stdout.split("\n").find((line) => line.includes(label)) ?? "";

describe("08-benchmark", () => {
  it("runs the baseline and joco over the cases and prints before/after beside the ceiling", async () => {
    const dir = await project();
    const result = await cell(dir, []);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("3 cases from benchmark/cases/held-out.jsonl");
    expect(rowOf(result.stdout, "metric")).toMatch(/llama3\.2:1b \(free\).*joco \(free\).*Δ.*95% CI.*McNemar p.*reference/);
    expect(rowOf(result.stdout, "format compliance")).toMatch(/0\.0%.*100\.0%.*\+100\.0 pts.*0\.250.*100\.0%/);
    expect(rowOf(result.stdout, "type accuracy ")).toMatch(/0\.0%.*100\.0%/);
    expect(result.stdout).toContain("Type confusion, joco");
    expect(result.stdout).toContain("3 paired cases");

    const checkpoints = JSON.parse(await readFile(join(dir, "checkpoints.json"), "utf8"));
    const outputs = checkpoints.cells["08-benchmark"].outputs;
    expect(outputs).toMatchObject({ cases: 3, casesFile: "benchmark/cases/held-out.jsonl", runs: [expect.stringMatching(/^llama3\.2-1b-free-/), expect.stringMatching(/^joco-free-/)] });
    expect((await readdir(join(dir, "benchmark/runs"))).sort()).toEqual([...outputs.runs, outputs.reference].map((id: string) => `${id}.json`).sort());

    const compared = await cell(dir, ["compare", outputs.runs[1], join(dir, "benchmark/runs", `${outputs.runs[0]}.json`)]);
    expect(compared.code, compared.stderr).toBe(0);
    expect(rowOf(compared.stdout, "format compliance")).toMatch(/100\.0%.*0\.0%.*-100\.0 pts/);
    const missing = await cell(dir, ["compare", outputs.runs[0], "no-such-run"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/No benchmark run .*no-such-run\.json/);

    // The report page, written by the run.
    const page = join(dir, "benchmark/report.html");
    expect(result.stdout).toMatch(/Report page: benchmark\/report\.html \(0\.\d MB; open it in a browser/);
    const written = await readFile(page, "utf8");
    for (const id of [...outputs.runs, outputs.reference]) expect(written).toContain(id);
  });

  it("rebuilds the report page for the runs 08 recorded, or for any named ones", async () => {
    const dir = await project();
    expect((await cell(dir, [])).code).toBe(0);
    const outputs = JSON.parse(await readFile(join(dir, "checkpoints.json"), "utf8")).cells["08-benchmark"].outputs;
    const page = join(dir, "benchmark/report.html");
    await rm(page);
    const rebuilt = await cell(dir, ["report"]);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(await readFile(page, "utf8")).toContain("diff 2"); // the diffs, read back from the run's case file
    const one = await cell(dir, ["report", outputs.runs[1]]);
    expect(one.code, one.stderr).toBe(0);
    const single = await readFile(page, "utf8");
    expect(single).toContain(outputs.runs[1]);
    expect(single).not.toContain(outputs.runs[0]);
    const none = await cell(await tempDir(), ["report"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("08-benchmark has recorded no runs to report on");
  }, 90_000);

  it("benchmarks one model in structured mode on any case file, with the ceiling beside it", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "mine.jsonl"), CASES.map((c) => JSON.stringify({ ...c, extra: { kept: true } })).join("\n") + "\n");
    const result = await cell(dir, ["--cases", "mine.jsonl", "--model", "llama3.2:1b", "--mode", "structured", "--max", "2"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("2 cases from mine.jsonl");
    expect(rowOf(result.stdout, "metric")).toMatch(/llama3\.2:1b \(structured\).*reference \(ceiling\)/);
    expect(rowOf(result.stdout, "format compliance")).toMatch(/100\.0%.*100\.0%/);
    expect(rowOf(result.stdout, "type accuracy ")).toMatch(/50\.0%.*100\.0%/);
    const [runName] = (await readdir(join(dir, "benchmark/runs"))).filter((n) => n.startsWith("llama"));
    const run = JSON.parse(await readFile(join(dir, "benchmark/runs", runName!), "utf8"));
    expect(run).toMatchObject({ mode: "structured", promptVersion: "chat-v1+json", casesFile: "mine.jsonl", params: { num_predict: 256, seed: 42, prompt: "chat" } });
    expect(run.results[1]).toMatchObject({ output: "fix: handle empty input", rawOutput: expect.stringContaining('"type":"fix"') });
  });

  it("names a missing model, an unreachable Ollama and missing cases, each with its fix", async () => {
    const dir = await project();
    const missing = await cell(dir, ["--model", "qwen3:0.6b"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("not installed in Ollama at");
    expect(missing.stderr).toContain("qwen3:0.6b");
    expect(missing.stderr).toContain("ollama pull llama3.2:1b");
    expect(missing.stderr).toContain("runbook/07-import.ts");

    const unreachable = await cell(dir, [], "http://127.0.0.1:9");
    expect(unreachable.stderr).toMatch(/Ollama is not reachable at http:\/\/127\.0\.0\.1:9/);

    const empty = await cell(await tempDir(), []);
    expect(empty.stderr).toContain("no *.jsonl case files in benchmark/cases");
    expect(empty.stderr).toContain("--cases FILE");
  });
});
