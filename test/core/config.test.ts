import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../lib/core/config.js";
import { ConfigError } from "../../lib/core/errors.js";
import { ConfigSchema, DEFAULT_CONFIG } from "../../runbook/00-config.js";
import { tempDir } from "../helpers/process.js";

async function loadWith(json: string, name = "joco.config.json") {
  const root = await tempDir();
  await writeFile(join(root, name), json);
  return loadConfig(ConfigSchema, { root, file: name === "joco.config.json" ? undefined : join(root, name) });
}

async function problemsOf(json: string): Promise<string[]> {
  const error = await loadWith(json).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).problems;
}

describe("configuration", () => {
  it("carries the plan's defaults", () => {
    expect(DEFAULT_CONFIG.training).toMatchObject({
      baseModel: "unsloth/Qwen2.5-Coder-1.5B-bnb-4bit",
      maxSeqLength: 2048,
      loadIn4bit: true,
      lora: { r: 16, alpha: 32, dropout: 0.05 },
      batchSize: 1,
      gradientAccumulationSteps: 4,
      warmupSteps: 10,
      epochs: 3,
      learningRate: 2e-4,
      loggingSteps: 10,
      saveSteps: 50,
    });
    expect(DEFAULT_CONFIG.training.lora.targetModules).toHaveLength(7);
    expect(DEFAULT_CONFIG.repos.map((r) => r.name)).toHaveLength(8);
    expect(DEFAULT_CONFIG.benchmark).toMatchObject({ source: { name: "angular" }, baseline: "llama3.2:1b", model: "joco" });
    expect(DEFAULT_CONFIG.ollama).toMatchObject({ model: "joco", temperature: 0.7, topP: 0.9 });
    expect(DEFAULT_CONFIG.export.quantization).toBe("q4_k_m");
  });

  it("deep-merges joco.config.json over the defaults; arrays replace", async () => {
    const { config } = await loadWith(
      JSON.stringify({ training: { lora: { r: 32 } }, repos: [{ name: "vite", url: "file:///tmp/vite" }] }),
    );
    expect(config.training.lora).toMatchObject({ r: 32, alpha: 32, dropout: 0.05 });
    expect(config.training.epochs).toBe(3);
    expect(config.repos).toEqual([{ name: "vite", url: "file:///tmp/vite" }]);
  });

  it("reports every unknown key and wrong type by its key path, all at once", async () => {
    const problems = await problemsOf(
      JSON.stringify({ training: { lora: { r: "16", rank: 8 } }, ollama: { temprature: 0.2 }, benchmark: { maxCases: -1 } }),
    );
    expect(problems).toContain("training.lora.r: expected number, received string");
    expect(problems).toContain("training.lora.rank: unknown key");
    expect(problems).toContain("ollama.temprature: unknown key");
    expect(problems.some((p) => p.startsWith("benchmark.maxCases:"))).toBe(true);
  });

  it("refuses repository names that leave tmp/repos and URLs that look like options", async () => {
    const problems = await problemsOf(JSON.stringify({ repos: [{ name: "../x", url: "--upload-pack=x" }] }));
    expect(problems).toEqual(["repos.0.name: use letters, digits, '.', '_' and '-' only", "repos.0.url: may not start with '-'"]);
  });

  it("names the line and column of a JSON syntax error", async () => {
    const problems = await problemsOf('{\n  "training": {\n    "epochs": 2,\n  }\n}');
    expect(problems[0]).toMatch(/^line 4, column 3: not valid JSON/);
  });

  it("says so when --config names a missing file", async () => {
    const root = await tempDir();
    const error = await loadConfig(ConfigSchema, { root, file: join(root, "nope.json") }).catch((e: unknown) => e);
    expect((error as ConfigError).problems).toEqual([`--config ${join(root, "nope.json")}: no such file`]);
  });
});
