/**
 * 06-export — Export GGUF
 *
 * Merges the LoRA from 05 into its base model (an mlx adapter: fused with
 * mlx-lm, de-quantized) and writes the model Ollama will serve (python/export.py picks the first route that works: Unsloth,
 * llama.cpp, or a 16-bit folder Ollama converts on import), with the training
 * frame as the tokenizer's chat_template. Then checks the GGUF here and
 * reports its size against the plan's target.
 */
import { mkdir } from "node:fs/promises";
import { relative } from "node:path";
import { z } from "zod";
import { defineCell } from "../lib/core/cell.js";
import { isMain } from "../lib/core/cli.js";
import { runCellScript } from "../lib/core/runner.js";
import { EXACT_QUANTIZATIONS, checkExportParity, parityPrompts } from "../lib/export/parity.js";
import { type ExportScriptConfig, ExportOutputsSchema, ExportRouteSchema, runExportScript, trainedWith } from "../lib/export/export.js";
import { folderSize, ggufRows, sizeRows, verifyGguf } from "../lib/export/report.js";
import { pathExists, writeFileAtomic } from "../lib/core/files.js";
import { PROMPT_VERSION, TRAINING_INSTRUCTION } from "../lib/conventional/prompt.js";
import { isSupportedPython, missingPythonModules, probePython, pythonInterpreter } from "../lib/core/python.js";
import { chalk, renderTable } from "../lib/core/ui.js";
import { ConfigSchema, type Config } from "./00-config.js";
import trainCell from "./05-train.js";

const MERGE_MODULES = ["torch", "transformers", "peft"];
const FUSE_MODULES = ["mlx", "mlx_lm"]; // an adapter of the mlx backend is fused with mlx-lm, not merged with peft

const cell = defineCell({
  id: "06-export",
  title: "Export GGUF",
  version: 1,
  dependsOn: [trainCell],
  options: z.object({
    quantization: z.enum(["q4_k_m", "q5_k_m", "q8_0", "f16"]).optional().describe("overrides export.quantization"),
    route: z.enum(["auto", ...ExportRouteSchema.options]).optional().describe("overrides export.route"),
    quantize: z.boolean().default(false).describe("build llama-quantize from node-llama-cpp's llama.cpp sources when a k-quant needs it (cmake, ~6 min once, cached)"),
  }),
  reads: (config: Config, options) => ({
    export: { ...config.export, ...(options.quantization && { quantization: options.quantization }), ...(options.route && { route: options.route }) },
    baseModel: config.training.baseModel,
    paths: { adapter: config.paths.adapter, gguf: config.paths.gguf },
    promptVersion: PROMPT_VERSION,
  }),
  preconditions: [
    {
      name: "a trained adapter",
      check: ({ config, path }) => pathExists(path(config.paths.adapter, "adapter_config.json")).then((ok) => ok || `no ${config.paths.adapter}/adapter_config.json`),
      hint: "Run 05-train first (npx tsx runbook/05-train.ts).",
    },
    {
      name: "Python 3.10+ with torch, transformers and peft (to merge)",
      check: async () => {
        const info = await probePython();
        if (!info || !isSupportedPython(info)) return `${pythonInterpreter()} is not Python 3.10+`;
        const missing = await missingPythonModules(MERGE_MODULES);
        return missing.length === 0 || `missing Python packages: ${missing.join(", ")}`;
      },
      hint: "Run `npm run setup:python` (it makes .venv with the pinned stack), or set JOCO_PYTHON to an interpreter that has them.",
    },
    {
      name: "mlx-lm, when the mlx backend trained the adapter (to fuse it)",
      check: async ({ config, path }) => {
        if ((await trainedWith(path(config.paths.adapter))) !== "mlx") return true;
        const missing = await missingPythonModules(FUSE_MODULES);
        return missing.length === 0 || `the mlx backend trained ${config.paths.adapter}, and this Python lacks ${missing.join(", ")}`;
      },
      hint: "Run `npm run setup:python -- --with-mlx` (mlx-lm, and on Linux MLX's CPU backend), or set JOCO_PYTHON to an interpreter that has it.",
    },
  ],
  outputs: ExportOutputsSchema,
  outs: (_config, outputs) => [outputs.artifact],
  run: async ({ config, options, path, log, signal }) => {
    const quantization = options.quantization ?? config.export.quantization;
    const scriptConfig: ExportScriptConfig = {
      adapter: path(config.paths.adapter),
      baseModel: config.training.baseModel,
      ...(config.export.mergeBase && { mergeBase: config.export.mergeBase }),
      outputDir: path(config.paths.gguf),
      mergedDir: path(config.export.mergedDir),
      quantization,
      route: options.route ?? config.export.route,
      instruction: TRAINING_INSTRUCTION,
      maxSeqLength: config.training.maxSeqLength,
      loadIn4bit: config.training.loadIn4bit,
      buildQuantizer: options.quantize,
      // A k-quant is compared by agreement rate; Q8_0 beside it must match transformers token for token.
      alsoWrite: EXACT_QUANTIZATIONS.has(quantization) ? [] : ["q8_0"],
      reference: { prompts: await parityPrompts(path(config.paths.dataset), config.export.parity.prompts), maxNewTokens: config.export.parity.maxNewTokens },
    };
    await mkdir(path(config.paths.gguf), { recursive: true });
    const configFile = path(config.paths.gguf, "export-config.json");
    await writeFileAtomic(configFile, `${JSON.stringify(scriptConfig, null, 2)}\n`);

    const done = await runExportScript({
      python: pythonInterpreter(),
      configFile,
      signal,
      onOutput: (line) => log(chalk.gray(`  ${line}`)),
      onEvent: (event) => {
        if (event.event === "start") {
          for (const [route, why] of Object.entries(event.skipped)) log(`${chalk.yellow("skip")} ${route}: ${why}`);
          log(`Trying ${event.routes.join(" → ")} for ${event.quantization}`);
        } else if (event.event === "step") log(`${chalk.cyan(event.stage)} ${event.message}`);
      },
    });
    log(`${chalk.green("✓")} exported through ${chalk.bold(done.route)}: ${relative(path(), done.path)}${done.merged ? ` (16-bit model: ${done.merged})` : ""}`);
    const merged = done.merged ? { merged: done.merged } : {};

    if (done.format === "safetensors") {
      const sizeBytes = await folderSize(done.path);
      log(`A 16-bit folder (${(sizeBytes / 1e6).toFixed(0)} MB): 07-import has Ollama convert and quantize it to ${done.ollama_quantize ?? "F16"}.`);
      log(renderTable(["model", "size", `vs ${config.export.targetSizeMB} MB target`], sizeRows({ label: "merged 16-bit folder", sizeBytes }, config.export.targetSizeMB), 20));
      return { route: done.route, format: done.format, artifact: relative(path(), done.path), quantization, sizeBytes, eosToken: done.eos_token, ...merged };
    }
    const check = verifyGguf(done.path, quantization);
    log(renderTable(["GGUF", ""], ggufRows(check)));
    const parity = done.reference ? await checkExportParity(done.files ?? { [quantization]: done.path }, done.reference) : [];
    const sample = parity[0]?.prompts[0];
    if (sample) log(`llama.cpp loaded ${relative(path(), parity[0]!.file)} and wrote: ${chalk.bold(JSON.stringify(sample.got.trim()))}`);
    log(renderTable(["GGUF", "greedy tokens = transformers"], parity.map((p) => [relative(path(), p.file), `${p.matched} of ${p.total}${p.ties ? `, ${p.ties} near a tie` : ""}${p.exact ? "" : " (k-quant: agreement rate)"}`])));
    log(renderTable(["model", "size", `vs ${config.export.targetSizeMB} MB target`], sizeRows({ label: `joco ${quantization}`, sizeBytes: check.header.sizeBytes }, config.export.targetSizeMB), 20));
    return {
      route: done.route,
      format: done.format,
      artifact: relative(path(), done.path),
      quantization,
      sizeBytes: check.header.sizeBytes,
      architecture: check.header.architecture,
      tensorCount: check.header.tensorCount,
      eosToken: check.eosToken ?? done.eos_token,
      ...merged,
      parity: parity.map(({ quantization: q, file, matched, ties, total }) => ({ quantization: q, file: relative(path(), file), matched, ties, total })),
    };
  },
  summarize: (out) => `${out.artifact} (${out.format}, ${out.quantization}, ${(out.sizeBytes / 1e6).toFixed(0)} MB) via ${out.route}`,
});

export default cell;
if (isMain(import.meta.url)) await runCellScript(cell, ConfigSchema);
