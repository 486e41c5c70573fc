/**
 * 00-config — the parameters cell. Every default of the plan lives here, typed
 * with zod; `joco.config.json` in the project folder, or `--config FILE`,
 * deep-merges JSON over it (objects merge, arrays replace). Run it on its own
 * to print the resolved configuration: `npx tsx runbook/00-config.ts --config my.json`.
 */
import { z } from "zod";
import { type ModelPrice, ModelPriceSchema } from "../lib/label/anthropic.js";
import { isMain } from "../lib/core/cli.js";
import { DEFAULT_TYPES } from "../lib/conventional/parser.js";
import { section } from "../lib/core/config.js";
import { TrainingSchema } from "../lib/train/settings.js";
import { HookSchema } from "../lib/suggest/settings.js";
import { OllamaSchema } from "../lib/serve/settings.js";

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

/** Anthropic's list prices (USD per million tokens) of the models the labeler is meant for; add others in labeling.prices. */
export const LABELING_PRICES: Record<string, ModelPrice> = {
  "claude-haiku-4-5": { input: 1, output: 5, cacheWrite: 1.25, cacheRead: 0.1 },
  "claude-sonnet-4-5": { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 },
  "claude-sonnet-4-6": { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 },
};

/**
 * Types real repositories use beside the standard eleven (measured on vuejs/core,
 * vitejs/vite, tauri, goreleaser), mapped to the one their commits mean;
 * null drops the commit. Why each is mapped as it is: README "04-curate".
 */
export const DEFAULT_TYPE_MAP: Record<string, string | null> = {
  types: "fix",
  dx: "fix",
  sec: "fix",
  security: "fix",
  bugfix: "fix",
  hotfix: "fix",
  enhance: "feat",
  enhancement: "feat",
  improvement: "feat",
  feature: "feat",
  deps: "build",
  dep: "build",
  workflow: "chore",
  doc: "docs",
  tests: "test",
  release: null,
  changes: null,
  wip: null,
};

const github = (slug: string) => `https://github.com/${slug}.git`;

export const ConfigSchema = z.strictObject({
  paths: section({
    repos: z.string().default("tmp/repos"),
    raw: z.string().default("dataset/raw"),
    labeled: z.string().default("dataset/labeled"),
    dataset: z.string().default("dataset"),
    cases: z.string().default("benchmark/cases"),
    runs: z.string().default("benchmark/runs"),
    /** The report page 08 writes after every run (self-contained HTML). */
    report: z.string().default("benchmark/report.html"),
    outputs: z.string().default("outputs"),
    adapter: z.string().default("joco-lora"),
    gguf: z.string().default("joco-gguf"),
    modelfile: z.string().default("Modelfile"),
    experimentLog: z.string().default("EXPERIMENT_LOG.md"),
  }),
  /** The Conventional Commit types every cell accepts (extraction, labels, curation, metrics). */
  conventional: section({
    types: z.array(z.string().regex(/^[a-z]+$/)).min(1).default([...DEFAULT_TYPES]),
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
    /** Inserted + deleted lines of a commit, counted while its patch streams; beyond it the commit is skipped as too large. */
    maxChangedLines: positiveInt.default(2000),
    /** Files changed by a commit, from the file list before any patch is read. */
    maxFiles: positiveInt.default(40),
    /** Largest blob (before or after) a kept commit may touch, from blob sizes before any patch is read: a 50 MB file is never diffed. */
    maxBlobBytes: positiveInt.default(1_000_000),
  }),
  labeling: section({
    /** auto: claude when ANTHROPIC_API_KEY is set, else original (the commit's own message when it is conventional). */
    backend: z.enum(["auto", "claude", "original"]).default("auto"),
    /** A Haiku-class model labels well and cheaply; "claude-sonnet-4-5" is the careful option. */
    model: z.string().min(1).default("claude-haiku-4-5"),
    /** Requests in flight at once (never more reach the API). */
    concurrency: positiveInt.default(4),
    maxTokens: positiveInt.default(1024),
    /** The SDK's retries per request on 429 (honouring retry-after), 529 and 5xx, with exponential backoff. */
    maxRetries: z.int().min(0).default(4),
    /** How often --batch polls a submitted Message Batch. */
    batchPollIntervalMs: positiveInt.default(30_000),
    /**
     * Diffs still unlabelable after the re-ask, as a share of all diffs, at or below which 03 is done anyway:
     * they are listed in its summary and left out of dataset/labeled. Above it, 03 fails (a re-run asks for them again).
     */
    maxFailedFraction: z.number().min(0).max(1).default(0.02),
    /** Where each labeled diff is cached (one JSONL line per label), so a re-run never pays twice. */
    cacheFile: z.string().default("dataset/label-cache.jsonl"),
    /** USD per million tokens, per model; cache writes are 5-minute ones; --batch bills half. Merged over LABELING_PRICES. */
    prices: z
      .record(z.string(), ModelPriceSchema)
      .default({})
      .transform((given) => ({ ...LABELING_PRICES, ...given })),
  }),
  curation: section({
    target: positiveInt.default(300),
    max: positiveInt.default(500),
    minScore: z.number().min(0).max(100).default(70),
    validationFraction: z.number().gt(0).lt(1).default(0.1),
    seed: z.int().default(42),
    /** Types outside conventional.types → a configured type, or null to drop. A value given here replaces the whole table. */
    typeMap: z.record(z.string().regex(/^[a-z]+$/), z.string().nullable()).default(DEFAULT_TYPE_MAP),
    /** Jaccard similarity of the changed lines' shingles at or above which two diffs are near-duplicates (also the leakage bar). */
    nearDuplicateThreshold: z.number().gt(0).max(1).default(0.8),
    /** Two examples with the same message are kept once when their diffs are at least this similar. */
    similarDiffThreshold: z.number().gt(0).max(1).default(0.5),
    /** At most this many examples may share one message, whatever their diffs (generic `docs: update`). */
    maxSameMessage: positiveInt.default(3),
    /** A longer body is cut off (the header stays): p95 of 3,000 real messages is 10 lines (lib/curate/message-fit.ts). */
    maxBodyLines: z.int().min(0).default(10),
    /**
     * Estimated tokens of the longest message trained on (a longer one keeps only its header). Must not exceed
     * ollama.numPredict nor benchmark.numPredict, so that everything trained can be generated; 128 ≈ p93 of real messages.
     */
    maxMessageTokens: positiveInt.default(128),
    /** Caps as a share of `max`: no type, and no repository, may exceed it. */
    maxTypeShare: z.number().gt(0).max(1).default(0.35),
    maxRepositoryShare: z.number().gt(0).max(1).default(0.35),
    /** Also write train.chat.jsonl / validation.chat.jsonl (`messages`: system, user, assistant) for chat trainers. */
    chatFormat: z.boolean().default(false),
  }),
  training: TrainingSchema,
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
    /** Greedy generations compared between the merged model and each GGUF (DESIGN §7): how many prompts, how many tokens each. */
    parity: section({ prompts: z.int().min(0).default(8), maxNewTokens: positiveInt.default(24) }),
  }),
  ollama: OllamaSchema,
  benchmark: section({
    /** Held out: never a training source (01 and 02 refuse a config where it is). `max` overrides maxCases. */
    source: z
      .strictObject({ name: repoName, url: repoUrl, depth: positiveInt.optional(), max: positiveInt.optional() })
      .default({ name: "angular", url: github("angular/angular") }),
    baseline: z.string().default("llama3.2:1b"),
    model: z.string().default("joco"),
    /** ollama: models served by Ollama; llama-cpp: GGUF files through the embedded llama.cpp (no server). */
    backend: z.enum(["ollama", "llama-cpp"]).default("ollama"),
    /** For the llama-cpp backend: the baseline's GGUF (none: no baseline run) and the fine-tuned one (default: the file 06 wrote). */
    gguf: section({ baseline: z.string().optional(), model: z.string().optional() }),
    /** Cases extracted from the source by 02: its newest commits with a Conventional Commit message. */
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
    /**
     * The strongest cheap alternative: the baseline with the k most similar training examples (BM25 over
     * dataset/train.jsonl, never a benchmark case) in its prompt, each diff cut to exampleDiffChars. k 0: off.
     */
    fewShot: section({
      k: z.int().min(0).default(3),
      exampleDiffChars: positiveInt.default(1500),
    }),
  }),
  log: section({
    title: z.string().optional(),
    hypothesis: z.string().optional(),
  }),
  /** `run.ts suggest` and the prepare-commit-msg hook (`run.ts hook install`): model, mode, timeout, what the usage log keeps. */
  hook: HookSchema,
});

export type Config = z.output<typeof ConfigSchema>;
export type RepoConfig = z.output<typeof RepoSchema>;

export const DEFAULT_CONFIG: Config = ConfigSchema.parse({});

if (isMain(import.meta.url)) {
  const { printResolvedConfig } = await import("../lib/core/runner.js");
  process.exitCode = await printResolvedConfig(ConfigSchema, process.argv.slice(2));
}
