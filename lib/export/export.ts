/**
 * Running python/export.py: the config file it reads, the JSON events it
 * prints (one a line on stdout), and what 06 records for 07.
 */
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { z } from "zod";
import { CommandError, RunbookError } from "../core/errors.js";

export const EXPORT_SCRIPT = resolve(import.meta.dirname, "../../python/export.py");
export const ExportRouteSchema = z.enum(["unsloth", "llama.cpp", "ollama"]);

/** What export.py reads (python/export.py REQUIRED_KEYS); paths are absolute. */
export interface ExportScriptConfig {
  adapter: string;
  baseModel: string;
  mergeBase?: string;
  outputDir: string;
  mergedDir: string;
  quantization: string;
  route: string;
  instruction: string;
  maxSeqLength: number;
  loadIn4bit: boolean;
  /** Build llama-quantize from the bundled llama.cpp sources when a k-quant needs it and none is found. */
  buildQuantizer?: boolean;
  /** Converter-made GGUFs beside the asked one (f16, q8_0), for the parity check of a k-quant. */
  alsoWrite?: string[];
  /** Prompts whose greedy generations by the merged model go to reference.json, for the parity check. */
  reference?: { prompts: string[]; maxNewTokens: number };
}

export const ExportEventSchema = z.discriminatedUnion("event", [
  z.object({ event: z.literal("start"), routes: z.array(ExportRouteSchema), skipped: z.record(z.string(), z.string()), quantization: z.string() }),
  z.object({ event: z.literal("step"), stage: z.string(), message: z.string(), route: z.string().optional() }),
  z.object({
    event: z.literal("done"),
    route: ExportRouteSchema,
    format: z.enum(["gguf", "safetensors"]),
    path: z.string(),
    quantization: z.string(),
    eos_token: z.string(),
    chat_template: z.boolean(),
    ollama_quantize: z.string().nullable().optional(),
    /** Quantization → GGUF file, the asked one and alsoWrite's. */
    files: z.record(z.string(), z.string()).optional(),
    reference: z.string().nullable().optional(),
    /** How the 16-bit model was made: "peft merge into …", "mlx fuse (de-quantized)", "unsloth's own merge". */
    merged: z.string().nullable().optional(),
  }),
  z.object({ event: z.literal("error"), message: z.string(), hint: z.string() }),
]);
export type ExportEvent = z.infer<typeof ExportEventSchema>;
export type ExportDone = Extract<ExportEvent, { event: "done" }>;

/** 06's recorded outputs, read by 07 through `upstream("06-export")`. */
export const ExportOutputsSchema = z.object({
  route: ExportRouteSchema,
  format: z.enum(["gguf", "safetensors"]),
  /** The GGUF file, or the merged folder Ollama converts; relative to the project folder. */
  artifact: z.string(),
  quantization: z.string(),
  sizeBytes: z.number(),
  architecture: z.string().optional(),
  tensorCount: z.number().optional(),
  eosToken: z.string(),
  /** How the 16-bit model was made (export.py's `merged`): an mlx adapter is fused with mlx-lm, de-quantized. */
  merged: z.string().optional(),
  /** Greedy agreement with the merged transformers model, per GGUF written. */
  parity: z.array(z.object({ quantization: z.string(), file: z.string(), matched: z.int(), ties: z.int(), total: z.int() })).optional(),
});
export type ExportOutputs = z.infer<typeof ExportOutputsSchema>;

/** The backend that trained the adapter, from the record train.py writes beside it (python/export_plan.py trained_with). */
export async function trainedWith(adapterDir: string): Promise<string | undefined> {
  const text = await readFile(join(adapterDir, "joco-training.json"), "utf8").catch(() => undefined);
  const parsed = z.object({ backend: z.string() }).safeParse(text === undefined ? undefined : safeJson(text));
  return parsed.success ? parsed.data.backend : undefined;
}

/**
 * Spawns the script and resolves with its `done` event. An `error` event
 * becomes a RunbookError with its hint; a crash without one, a CommandError
 * with the end of stderr. Ctrl-C is passed on to the child as SIGINT.
 */
export function runExportScript(options: {
  python: string;
  configFile: string;
  script?: string;
  onEvent?: (event: ExportEvent) => void;
  onOutput?: (line: string) => void;
  signal?: AbortSignal;
}): Promise<ExportDone> {
  const args = [options.script ?? EXPORT_SCRIPT, options.configFile];
  const child = spawn(options.python, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, PYTHONUNBUFFERED: "1" } });
  const stop = () => child.kill("SIGINT");
  options.signal?.addEventListener("abort", stop, { once: true });
  const stderr: string[] = [];
  let done: ExportDone | undefined;
  let failure: Extract<ExportEvent, { event: "error" }> | undefined;

  createInterface({ input: child.stdout }).on("line", (line) => {
    const parsed = line.startsWith("{") ? ExportEventSchema.safeParse(safeJson(line)) : undefined;
    if (!parsed?.success) return options.onOutput?.(line);
    if (parsed.data.event === "done") done = parsed.data;
    if (parsed.data.event === "error") failure = parsed.data;
    options.onEvent?.(parsed.data);
  });
  createInterface({ input: child.stderr }).on("line", (line) => {
    stderr.push(line);
    if (stderr.length > 200) stderr.shift();
    options.onOutput?.(line);
  });

  return new Promise((resolvePromise, reject) => {
    child.on("error", (error) => reject(new RunbookError(`Cannot start ${options.python}: ${error.message}`, "Set JOCO_PYTHON to a Python 3.10+ interpreter.")));
    child.on("close", (code) => {
      options.signal?.removeEventListener("abort", stop);
      if (done && code === 0) return resolvePromise(done);
      if (failure) return reject(new RunbookError(failure.message, failure.hint));
      reject(new CommandError(`${options.python} ${args.join(" ")}`, code, stderr.join("\n"), "Read the Python error above; JOCO_DEBUG=1 shows more."));
    });
  });
}

function safeJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}
