import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOG_HEADER, type ExperimentEntry, appendExperimentEntry, lossChart, renderExperimentEntry, thinCurve } from "../../lib/log/experiment.js";
import { readDatasetStats, readModelFile, readTrainingFigures } from "../../lib/log/sources.js";
import { type FakeOllama, startFakeOllama } from "../fakes/ollama.ts";
import { REPO_ROOT, runTsx, tempDir } from "../helpers/process.js";

const entry = (overrides: Partial<ExperimentEntry> = {}): ExperimentEntry => ({
  date: new Date(2025, 2, 4, 9, 5),
  title: "r 32",
  hypothesis: "a larger rank learns the scopes",
  config: [["base model", "unsloth/Qwen2.5-Coder-1.5B-bnb-4bit"]],
  dataset: { train: 270, validation: 30, byType: { feat: 100, fix: 200 } },
  training: { runtimeSeconds: 930, steps: 204, trainLoss: 0.41234, evalLoss: 0.5, lossCurve: [{ step: 10, loss: 2.5 }, { step: 20, loss: 1.25 }] },
  benchmarkMarkdown: "| Metric | a |\n| --- | ---: |",
  model: { file: "joco-gguf/joco.Q4_K_M.gguf", sizeBytes: 986_000_000, targetMB: 600 },
  runs: [["before", "llama3.2-1b-free-aaaaaaaaaa"]],
  ...overrides,
});

describe("experiment log entries", () => {
  it("renders every part, the loss curve as a mermaid xychart", () => {
    const text = renderExperimentEntry(entry());
    expect(text.startsWith("## 2025-03-04 09:05 — r 32\n\n**Hypothesis.** a larger rank learns the scopes\n")).toBe(true);
    expect(text).toContain("| base model | unsloth/Qwen2.5-Coder-1.5B-bnb-4bit |");
    expect(text).toContain("270 training and 30 validation examples.");
    expect(text).toContain("| fix | 200 |");
    expect(text).toContain("Runtime 15.5 min, 204 steps; final training loss 0.4123, final validation loss 0.5000.");
    expect(text).toContain('```mermaid\nxychart-beta\n  title "Training loss"\n  x-axis "step" [10, 20]\n  y-axis "loss" 1.2 --> 2.5\n  line [2.5, 1.25]\n```');
    expect(text).toContain("`joco-gguf/joco.Q4_K_M.gguf`: 986 MB (target 600 MB).");
    expect(text).toContain("- before: `llama3.2-1b-free-aaaaaaaaaa`");
  });

  it("says what is missing instead of failing", () => {
    const text = renderExperimentEntry(entry({ hypothesis: null, dataset: null, training: null, model: null, benchmarkMarkdown: null }));
    expect(text).not.toContain("Hypothesis");
    expect(text).toContain("No dataset statistics (dataset/stats.json not found).");
    expect(text).toContain("No training figures (05-train has not recorded any).");
    expect(text).toContain("No exported model (06-export has not run).");
    expect(text).not.toContain("report.html");
  });

  it("links the report page relative to the log, spaces and all", () => {
    expect(renderExperimentEntry(entry({ reportPage: "../my runs/report.html" }))).toContain("[../my runs/report.html](../my%20runs/report.html)");
  });

  it("thins a long curve to 40 points, keeping the first and the last", () => {
    const curve = Array.from({ length: 301 }, (_, i) => ({ step: i + 1, loss: 3 - i / 150 }));
    const thinned = thinCurve(curve);
    expect(thinned).toHaveLength(40);
    expect(thinned[0]).toEqual(curve[0]);
    expect(thinned.at(-1)).toEqual(curve[300]);
    expect(lossChart(curve).match(/line \[(.*)\]/)![1]!.split(", ")).toHaveLength(40);
  });

  it("creates the log with its header and appends without touching what is there", async () => {
    const file = join(await tempDir(), "EXPERIMENT_LOG.md");
    await appendExperimentEntry(file, "## first\n");
    const first = await readFile(file);
    expect(first.toString()).toBe(`${LOG_HEADER}\n## first\n`);
    await appendExperimentEntry(file, "## second\n");
    const both = await readFile(file);
    expect(both.subarray(0, first.length).equals(first)).toBe(true);
    expect(both.toString().endsWith("\n## second\n")).toBe(true);
  });
});

describe("experiment log sources", () => {
  it("reads 04's stats, 05's figures (or the trainer state) and 06's file, tolerating their absence", async () => {
    const dir = await tempDir();
    expect(await readDatasetStats(join(dir, "stats.json"))).toBeNull();
    await writeFile(join(dir, "stats.json"), JSON.stringify({ examples: { total: 3, train: 2, validation: 1 }, byType: { fix: { train: 2, validation: 1 } } }));
    expect(await readDatasetStats(join(dir, "stats.json"))).toEqual({ train: 2, validation: 1, byType: { fix: 3 } });

    expect(await readTrainingFigures(undefined, join(dir, "outputs"))).toBeNull();
    await mkdir(join(dir, "outputs/checkpoint-20"), { recursive: true });
    await mkdir(join(dir, "outputs/checkpoint-100"), { recursive: true });
    const history = [{ step: 10, loss: 2 }, { step: 20, loss: 1.5 }, { step: 20, eval_loss: 1.7 }];
    await writeFile(join(dir, "outputs/checkpoint-20/trainer_state.json"), JSON.stringify({ global_step: 20, log_history: history.slice(0, 1) }));
    await writeFile(join(dir, "outputs/checkpoint-100/trainer_state.json"), JSON.stringify({ global_step: 20, log_history: history }));
    expect(await readTrainingFigures({ adapter: "joco-lora" }, join(dir, "outputs"))).toEqual({
      runtimeSeconds: null,
      steps: 20,
      trainLoss: 1.5,
      evalLoss: 1.7,
      lossCurve: [{ step: 10, loss: 2 }, { step: 20, loss: 1.5 }],
    });
    const recorded = { steps: 30, runtimeSeconds: 60, trainLoss: 0.9, evalLoss: 1.1, lossCurve: [{ step: 30, loss: 0.9 }] };
    expect(await readTrainingFigures(recorded, join(dir, "outputs"))).toMatchObject(recorded);

    expect(readModelFile(undefined, 600)).toBeNull();
    // What 06 records (ExportOutputsSchema): the GGUF is its `artifact`.
    const exported = { route: "llama.cpp", format: "gguf", artifact: "joco-gguf/x.gguf", quantization: "q8_0", sizeBytes: 5, eosToken: "<|endoftext|>" };
    expect(readModelFile(exported, 600)).toEqual({ file: "joco-gguf/x.gguf", sizeBytes: 5, targetMB: 600 });
    expect(readModelFile({ file: "joco-gguf/x.gguf", sizeBytes: 5 }, 600)).toBeNull();
  });
});

describe("09-log", () => {
  let ollama: FakeOllama;
  beforeAll(async () => {
    ollama = await startFakeOllama({ models: ["joco", "llama3.2:1b"], respond: (r) => (r.body.model === "joco" ? "fix: handle empty input" : "Fixed it.") });
  });
  afterAll(() => ollama.close());

  it("appends a dated entry after 08, and a second run leaves the first entry byte for byte", async () => {
    const dir = await tempDir();
    const env = { OLLAMA_HOST: ollama.url };
    const cases = ["fix: handle empty input", "fix(cli): handle empty input (#42)"].map((m, i) => ({ id: `c${i}`, diff: `diff ${i}`, expectedMessage: m, repository: "r", commitHash: String(i) }));
    await mkdir(join(dir, "benchmark/cases"), { recursive: true });
    await writeFile(join(dir, "benchmark/cases/held-out.jsonl"), cases.map((c) => JSON.stringify(c)).join("\n") + "\n");
    await mkdir(join(dir, "dataset"), { recursive: true });
    await writeFile(join(dir, "dataset/stats.json"), JSON.stringify({ examples: { train: 9, validation: 1 }, byType: { fix: { train: 9, validation: 1 } } }));
    expect((await runTsx(join(REPO_ROOT, "runbook/08-benchmark.ts"), [], { cwd: dir, env })).code).toBe(0);

    const first = await runTsx(join(REPO_ROOT, "runbook/09-log.ts"), ["--title", "baseline check", "--hypothesis", "joco beats the baseline"], { cwd: dir, env });
    expect(first.code, first.stderr).toBe(0);
    const log = join(dir, "EXPERIMENT_LOG.md");
    const firstBytes = await readFile(log);
    const text = firstBytes.toString();
    expect(text.startsWith(LOG_HEADER)).toBe(true);
    expect(text).toMatch(/\n## \d{4}-\d\d-\d\d \d\d:\d\d — baseline check\n/);
    expect(text).toContain("**Hypothesis.** joco beats the baseline");
    expect(text).toContain("9 training and 1 validation examples.");
    expect(text).toContain("| format compliance (one message, commitlint) | 0.0% [0.0, 65.8] | 100.0% [34.2, 100.0] | +100.0 pts |");
    expect(text).toContain("| cases | 2 from benchmark/cases/held-out.jsonl |");
    expect(text).toMatch(/- after \(joco\): `joco-free-[0-9a-f]{10}`/);
    expect(text).toContain("the loss curve: [benchmark/report.html](benchmark/report.html) (rewritten by each 08 run).");

    const second = await runTsx(join(REPO_ROOT, "runbook/09-log.ts"), ["--force", "--title", "again"], { cwd: dir, env });
    expect(second.code, second.stderr).toBe(0);
    const both = await readFile(log);
    expect(both.subarray(0, firstBytes.length).equals(firstBytes)).toBe(true);
    expect(both.subarray(firstBytes.length).toString()).toMatch(/^\n## \d{4}-\d\d-\d\d \d\d:\d\d — again\n/);
  });
});
