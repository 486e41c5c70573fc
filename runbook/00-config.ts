/**
 * 00-config — the parameters cell. Every default of the plan lives here, typed
 * with zod; `joco.config.json` in the project folder, or `--config FILE`,
 * deep-merges JSON over it (objects merge, arrays replace). Run it on its own
 * to print the resolved configuration: `npx tsx runbook/00-config.ts --config my.json`.
 */
import { z } from "zod";
import { isMain } from "../lib/cli.js";

// prefault (not default) so that a section's own defaults are filled in when the user gives none of its keys.
const section = <T extends z.core.$ZodLooseShape>(shape: T) =>
  z.strictObject(shape).prefault({} as z.input<z.ZodObject<T, z.core.$strict>>);
const positiveInt = z.int().positive();
const repoName = z
  .string()
  .regex(/^[A-Za-z0-9._-]+$/, "use letters, digits, '.', '_' and '-' only")
  .refine((name) => name !== "." && name !== "..", "may not be '.' or '..'");
const repoUrl = z.string().min(1).refine((url) => !url.startsWith("-"), "may not start with '-'");

export const RepoSchema = z.strictObject({
  name: repoName,
  url: repoUrl,
  depth: positiveInt.optional(),
  max: positiveInt.optional(),
});

/** The eleven types of @commitlint/config-conventional. */
export const STANDARD_TYPES = ["feat", "fix", "docs", "style", "refactor", "perf", "test", "build", "ci", "chore", "revert"];

const github = (slug: string) => `https://github.com/${slug}.git`;

export const ConfigSchema = z.strictObject({
  paths: section({
    repos: z.string().default("tmp/repos"),
    raw: z.string().default("dataset/raw"),
    labeled: z.string().default("dataset/labeled"),
    dataset: z.string().default("dataset"),
    cases: z.string().default("benchmark/cases"),
    runs: z.string().default("benchmark/runs"),
    outputs: z.string().default("outputs"),
    adapter: z.string().default("joco-lora"),
    gguf: z.string().default("joco-gguf"),
    modelfile: z.string().default("Modelfile"),
    experimentLog: z.string().default("EXPERIMENT_LOG.md"),
  }),
  /** The Conventional Commit types every cell accepts (extraction, labels, curation, metrics). */
  conventional: section({
    types: z.array(z.string().regex(/^[a-z]+$/)).min(1).default(STANDARD_TYPES),
  }),
  clone: section({
    concurrency: positiveInt.default(4),
    depth: positiveInt.default(500),
  }),
  repos: z
    .array(RepoSchema)
    .min(1)
    .default([
      { name: "react", url: github("facebook/react") },
      { name: "vuejs-core", url: github("vuejs/core") },
      { name: "kubernetes", url: github("kubernetes/kubernetes") },
      { name: "docker-cli", url: github("docker/cli") },
      { name: "fastapi", url: github("fastapi/fastapi") },
      { name: "django", url: github("django/django") },
      { name: "rust", url: github("rust-lang/rust") },
      { name: "spring-boot", url: github("spring-projects/spring-boot") },
    ]),
  extract: section({
    maxPerRepo: positiveInt.default(100),
    /** Character budget of one diff (stat block + patch); whole hunks are kept, shared fairly across files. */
    diffBudgetChars: positiveInt.default(6000),
    /** Decided from numstat before the patch is read. */
    maxChangedLines: positiveInt.default(2000),
    maxFiles: positiveInt.default(40),
  }),
  labeling: section({
    backend: z.enum(["auto", "claude", "original"]).default("auto"),
    model: z.string().default("claude-haiku-4-5"),
    concurrency: positiveInt.default(4),
  }),
  curation: section({
    target: positiveInt.default(300),
    max: positiveInt.default(500),
    minScore: z.number().min(0).max(100).default(70),
    validationFraction: z.number().gt(0).lt(1).default(0.1),
    seed: z.int().default(42),
  }),
  training: section({
    baseModel: z.string().default("unsloth/Qwen2.5-Coder-1.5B-bnb-4bit"),
    backend: z.enum(["auto", "unsloth", "hf"]).default("auto"),
    maxSeqLength: positiveInt.default(2048),
    loadIn4bit: z.boolean().default(true),
    lora: section({
      r: positiveInt.default(16),
      alpha: positiveInt.default(32),
      dropout: z.number().min(0).lt(1).default(0.05),
      targetModules: z
        .array(z.string())
        .min(1)
        .default(["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]),
    }),
    batchSize: positiveInt.default(1),
    gradientAccumulationSteps: positiveInt.default(4),
    warmupSteps: z.int().min(0).default(10),
    epochs: z.number().positive().default(3),
    learningRate: z.number().positive().default(2e-4),
    loggingSteps: positiveInt.default(10),
    saveSteps: positiveInt.default(50),
    seed: z.int().default(3407),
  }),
  export: section({
    quantization: z.enum(["q4_k_m", "q5_k_m", "q8_0", "f16"]).default("q4_k_m"),
    /** The plan's target; 06 reports the real size against it. */
    targetSizeMB: positiveInt.default(600),
  }),
  ollama: section({
    model: z.string().default("joco"),
    temperature: z.number().min(0).default(0.7),
    topP: z.number().gt(0).max(1).default(0.9),
    numCtx: positiveInt.default(4096),
  }),
  benchmark: section({
    source: z
      .strictObject({ name: repoName, url: repoUrl, depth: positiveInt.optional(), max: positiveInt.optional() })
      .default({ name: "angular", url: github("angular/angular") }),
    baseline: z.string().default("llama3.2:1b"),
    model: z.string().default("joco"),
    maxCases: positiveInt.default(100),
    mode: z.enum(["free", "structured"]).default("free"),
    /** Parallel generations; above 1, latencies include queueing in Ollama. */
    concurrency: positiveInt.default(1),
    /** Ollama num_predict (Claude max_tokens): a message is ~15 tokens, a rambling baseline is cut here. */
    numPredict: positiveInt.default(256),
    /** Ollama's sampling seed, and the bootstrap's. */
    seed: z.int().default(42),
    bootstrapIterations: positiveInt.default(10_000),
    /** The gold reference for `--backend claude`. */
    claudeModel: z.string().default("claude-sonnet-4-6"),
  }),
  log: section({
    title: z.string().optional(),
    hypothesis: z.string().optional(),
  }),
});

export type Config = z.output<typeof ConfigSchema>;
export type RepoConfig = z.output<typeof RepoSchema>;

export const DEFAULT_CONFIG: Config = ConfigSchema.parse({});

if (isMain(import.meta.url)) {
  const { printResolvedConfig } = await import("../lib/runbook.js");
  process.exitCode = await printResolvedConfig(ConfigSchema, process.argv.slice(2));
}
