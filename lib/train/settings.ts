/** The `training` section of the configuration (cell 05), and the slice of the whole configuration 05 reads. */
import { z } from "zod";
import { section } from "../core/config.js";

const positiveInt = z.int().positive();

export const TrainingSchema = section({
  baseModel: z.string().default("unsloth/Qwen2.5-Coder-1.5B-bnb-4bit"),
  /** auto: Unsloth on CUDA, MLX on Apple silicon, else transformers + peft ("hf": CUDA, Apple MPS or CPU). */
  backend: z.enum(["auto", "unsloth", "hf", "mlx"]).default("auto"),
  /** The mlx backend: an MLX model to train as is (e.g. an mlx-community 4-bit build), else baseModel converted to 4-bit once and cached. */
  mlx: section({
    model: z.string().optional(),
    /** Transformer blocks that get LoRA, from the top; -1: all. 16 fits an 8 GB Mac (python/backend_choice.py). */
    numLayers: z.int().refine((n) => n === -1 || n > 0, "-1 (all) or a positive count").default(-1),
    cacheDir: z.string().optional(),
  }),
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
    /** Modules trained in full beside the adapters; the rehearsal's random tiny model needs ["embed_tokens", "lm_head"] to learn at all. */
    modulesToSave: z.array(z.string().min(1)).default([]),
  }),
  batchSize: positiveInt.default(1),
  gradientAccumulationSteps: positiveInt.default(4),
  warmupSteps: z.int().min(0).default(10),
  epochs: z.number().positive().default(3),
  learningRate: z.number().positive().default(2e-4),
  loggingSteps: positiveInt.default(10),
  saveSteps: positiveInt.default(50),
  /** Evaluate on validation.jsonl every N optimizer steps (and once at the end). */
  evalSteps: positiveInt.default(50),
  /** Trainer checkpoints kept in outputs/ (older ones are deleted as new ones are saved). */
  saveTotalLimit: positiveInt.default(3),
  /** 0 trains for `epochs`; N > 0 stops after N optimizer steps (a quick trial run). */
  maxSteps: z.int().min(0).default(0),
  /** Recompute activations in the backward pass: much less memory for ~20% more time. */
  gradientCheckpointing: z.boolean().default(true),
  seed: z.int().default(3407),
  /** Train on the CPU when there is no CUDA or Apple GPU, as `--allow-cpu` does (the rehearsal's tiny model; hours for a 1.5B one). */
  allowCpu: z.boolean().default(false),
});

export type TrainingSettings = z.output<typeof TrainingSchema>;

/** What 05-train reads of the configuration; the whole of it fits. */
export interface TrainingConfig {
  training: TrainingSettings;
  paths: { dataset: string; outputs: string; adapter: string };
}
