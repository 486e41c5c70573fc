/**
 * The rehearsal's configuration: the user's own, with what makes it fit a
 * CPU in minutes (a tiny random Qwen2, fewer and shorter diffs, original
 * labels, GGUFs benchmarked through the embedded llama.cpp). The code path is
 * the real one; only sizes, steps and the model change (DESIGN §2, §8).
 */
import { resolve } from "node:path";

/** Curated examples the rehearsal aims at: enough to learn the format, few enough for two CPU cores. */
export const REHEARSAL_EXAMPLES = 200;
/** McNemar's exact test needs enough paired cases to call 0% → most-valid significant. */
export const REHEARSAL_CASES = 50;
/** About 192 tokens of diff (DESIGN §8): the tiny model learns the frame, not the code. */
const DIFF_BUDGET_CHARS = 600;

export interface RehearsalChoices {
  /** Where the user's clones live: the rehearsal clones into the same folder, so the real run reuses them. */
  reposDir: string;
  /** The tiny base model (a Hugging Face folder) and its GGUF, the "before" of the benchmark. */
  tinyModelDir: string;
  baseGguf: string;
  labeling: "original" | "claude";
  trainingBackend: "hf" | "mlx";
}

type Json = Record<string, unknown>;

/**
 * The user's resolved config (already validated against the schema) with the
 * rehearsal's settings on top; the result is written to rehearsal/joco.config.json.
 */
export function rehearsalConfig(user: Json & { repos: { max?: number }[]; benchmark: Json; training: Json & { lora: Json } }, choices: RehearsalChoices): Json {
  const perRepo = Math.ceil((REHEARSAL_EXAMPLES * 2) / Math.max(1, user.repos.length));
  return {
    ...user,
    paths: { ...(user.paths as Json), repos: resolve(choices.reposDir) },
    repos: user.repos.map((repo) => ({ ...repo, max: Math.min(repo.max ?? perRepo, perRepo) })),
    extract: { ...(user.extract as Json), maxPerRepo: perRepo, diffBudgetChars: DIFF_BUDGET_CHARS },
    labeling: { ...(user.labeling as Json), backend: choices.labeling },
    // Headers only fit the tiny model's short sequences; numPredict below covers them (04 checks it).
    curation: { ...(user.curation as Json), target: 40, max: REHEARSAL_EXAMPLES, maxMessageTokens: 40, maxBodyLines: 0 },
    training: {
      ...user.training,
      baseModel: resolve(choices.tinyModelDir),
      backend: choices.trainingBackend,
      loadIn4bit: false,
      maxSeqLength: 256,
      lora: { ...user.training.lora, dropout: 0, modulesToSave: ["embed_tokens", "lm_head"] },
      batchSize: 4,
      gradientAccumulationSteps: 1,
      warmupSteps: 10,
      epochs: 6,
      learningRate: 6e-3,
      loggingSteps: 10,
      saveSteps: 50,
      evalSteps: 50,
      saveTotalLimit: 2,
      maxSteps: 0,
      gradientCheckpointing: false,
      allowCpu: true,
      mlx: { ...(user.training.mlx as Json), cacheDir: resolve(choices.tinyModelDir, "..", "mlx-cache") },
    },
    export: { ...(user.export as Json), quantization: "q8_0", route: "llama.cpp" },
    ollama: { ...(user.ollama as Json), model: "joco-rehearsal", temperature: 0, numPredict: 48, required: false },
    benchmark: {
      ...user.benchmark,
      source: { ...(user.benchmark.source as Json), max: REHEARSAL_CASES },
      maxCases: REHEARSAL_CASES,
      backend: "llama-cpp",
      gguf: { baseline: resolve(choices.baseGguf) },
      mode: "free",
      concurrency: 1,
      numPredict: 48,
      bootstrapIterations: 2000,
    },
    log: { title: "rehearsal (tiny random Qwen2, CPU)", hypothesis: "every step of the pipeline works on this machine" },
  };
}
