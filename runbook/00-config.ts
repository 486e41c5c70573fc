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
    /**
     * The plan's target; 06 reports the real size against it. Published GGUF sizes:
     * Qwen2.5-Coder-1.5B q4_k_m 986 MB, q8_0 1.65 GB; Qwen2.5-Coder-0.5B q4_k_m 398 MB,
     * q8_0 531 MB; Qwen3-0.6B q8_0 639 MB; Llama-3.2-1B q4_k_m 808 MB. Near 600 MB means
     * a 0.5B–0.6B base at q8_0 (training.baseModel), not the 1.5B at any k-quant.
     */
    targetSizeMB: positiveInt.default(600),
    /**
     * How 06 writes the model: `auto` tries unsloth (save_pretrained_gguf), then llama.cpp
     * (LLAMA_CPP_DIR or PATH), then `ollama` (a merged 16-bit safetensors folder that
     * 07 has Ollama convert and quantize; q4_k_m, q8_0 or f16 only).
     */
    route: z.enum(["auto", "unsloth", "llama.cpp", "ollama"]).default("auto"),
    /** The 16-bit model the LoRA is merged into; default: the adapter's base without its -bnb-4bit suffix. */
    mergeBase: z.string().optional(),
    /** Where the merged 16-bit safetensors folder goes (llama.cpp and ollama routes). */
    mergedDir: z.string().default("joco-merged"),
  }),
  ollama: section({
    model: z.string().default("joco"),
    temperature: z.number().min(0).default(0.7),
    topP: z.number().gt(0).max(1).default(0.9),
    numCtx: positiveInt.default(4096),
    /** A commit message is ~15 tokens; this caps a model that does not stop. */
    numPredict: positiveInt.default(128),
    /** Stop sequences besides the tokenizer's EOS (added by 07): the frame's own headers. */
    stop: z.array(z.string().min(1)).default(["### Instruction:", "### Input:"]),
    /** `api`: upload the blobs and create over HTTP at OLLAMA_HOST; `cli`: `ollama create -f Modelfile`. */
    createWith: z.enum(["api", "cli"]).default("api"),
  }),
  benchmark: section({
    source: z
      .strictObject({ name: repoName, url: repoUrl, depth: positiveInt.optional(), max: positiveInt.optional() })
      .default({ name: "angular", url: github("angular/angular") }),
    baseline: z.string().default("llama3.2:1b"),
    model: z.string().default("joco"),
    maxCases: positiveInt.default(100),
    mode: z.enum(["free", "structured"]).default("free"),
    concurrency: positiveInt.default(1),
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
