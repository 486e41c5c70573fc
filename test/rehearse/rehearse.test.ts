// `npm run rehearse` as a user runs it, on git projects made here: the real
// training stack on the CPU, llama.cpp's converter, the embedded llama.cpp.
import { readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { discordantPairs, mcnemarExact } from "../../lib/benchmark/stats.js";
import { RunSchema } from "../../lib/benchmark/runs.js";
import { TRAINING_INSTRUCTION } from "../../lib/conventional/prompt.js";
import { readGgufHeader } from "../../lib/export/gguf.js";
import { createProjectSources } from "../helpers/project-repos.js";
import { REPO_ROOT, type ProcessResult, runTsx, tempDir } from "../helpers/process.js";

// The target is 10 minutes on two free cores; a loaded CI machine gets room to spare.
const BUDGET_MS = 30 * 60_000;

describe("npm run rehearse", () => {
  let project: string;
  let result: ProcessResult;
  const rehearsal = () => join(project, "rehearsal");

  beforeAll(async () => {
    project = await tempDir("joco-rehearse-");
    const sources = await createProjectSources(join(project, "sources"), { perRepo: 100, cases: 60 });
    await writeFile(join(project, "joco.config.json"), JSON.stringify(sources, null, 2));
    // No Ollama here: 07 smoke-tests the GGUF through the embedded llama.cpp and 08 reads the GGUFs the same way.
    result = await runTsx(join(REPO_ROOT, "runbook/run.ts"), ["rehearse"], {
      cwd: project,
      env: { OLLAMA_HOST: "http://127.0.0.1:9", ANTHROPIC_API_KEY: "", JOCO_LLAMA_GPU: "off" },
    });
  }, BUDGET_MS + 60_000);

  afterAll(async () => {
    const { rm } = await import("node:fs/promises");
    if (project) await rm(project, { recursive: true, force: true });
  });

  it("runs 01 to 09 (07 on the embedded llama.cpp without Ollama) and prints each phase's time", async () => {
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain("No Ollama at http://127.0.0.1:9: joco-rehearsal is not imported");
    const checkpoints = JSON.parse(await readFile(join(rehearsal(), "checkpoints.json"), "utf8"));
    const cells = checkpoints.cells as Record<string, { status: string; outputs?: unknown }>;
    const done = Object.entries(cells).filter(([, r]) => r.status === "done").map(([id]) => id);
    expect(done.sort()).toEqual(["01-clone", "02-extract", "03-label", "04-curate", "05-train", "06-export", "07-import", "08-benchmark", "09-log"]);
    const imported = cells["07-import"]!.outputs as { imported: boolean; smoke: { via: string; output: string } };
    expect(imported).toMatchObject({ imported: false, smoke: { via: "llama-cpp" } });
    expect(imported.smoke.output.trim()).not.toBe("");
    expect(result.stdout).toMatch(/05-train \(done\)\s*│\s*[\d.]+ s/);
    expect(await readFile(join(rehearsal(), "EXPERIMENT_LOG.md"), "utf8")).toContain("rehearsal");
  });

  it("exports a qwen2 GGUF whose chat template is the training frame", async () => {
    const ggufDir = join(rehearsal(), "joco-gguf");
    const file = (await readdir(ggufDir)).find((name) => name.endsWith(".gguf"));
    const header = readGgufHeader(join(ggufDir, file!));
    expect(header.architecture).toBe("qwen2");
    expect(header.metadata["tokenizer.ggml.pre"]).toBe("qwen2");
    // A Jinja template: the frame's parts are string literals around the message content.
    const template = String(header.metadata["tokenizer.chat_template"]);
    for (const part of ["### Instruction:", TRAINING_INSTRUCTION, "### Input:", "### Response:"]) expect(template).toContain(part);
    expect(template).not.toContain("<|im_start|>");
  });

  it("trains the tiny model past its untrained self, significantly, on at least 40 held-out cases", async () => {
    const runsDir = join(rehearsal(), "benchmark/runs");
    const runs = await Promise.all(
      (await readdir(runsDir)).filter((n) => n.endsWith(".json")).map(async (n) => RunSchema.parse(JSON.parse(await readFile(join(runsDir, n), "utf8")))),
    );
    const before = runs.find((r) => r.model.startsWith("tiny-base"))!;
    const after = runs.find((r) => r.backend === "llama-cpp" && !r.model.startsWith("tiny-base"))!;
    expect(before.results.length).toBeGreaterThanOrEqual(40);
    expect(after.metrics.formatCompliance).toBeGreaterThan(before.metrics.formatCompliance);
    const { b, c } = discordantPairs(
      before.results.map((r) => r.valid),
      after.results.map((r) => r.valid),
    );
    expect(mcnemarExact(b, c)).toBeLessThan(0.05);
  });
});
