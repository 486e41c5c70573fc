/**
 * 07-import — Import into Ollama
 *
 * Writes the Modelfile (TEMPLATE = the training prompt, byte for byte), creates
 * the model through Ollama's HTTP API (blobs + create) or its CLI, skips that
 * when Ollama already holds the same weights, template and parameters, then
 * checks the template Ollama serves and generates for one validation diff.
 * With `ollama.required: false` (the rehearsal) and no Ollama answering, it
 * writes the Modelfile and runs the same smoke test on the GGUF through the
 * embedded llama.cpp, with the Modelfile's parameters, and imports nothing.
 */
import { z } from "zod";
import { defineCell } from "../lib/core/cell.js";
import { isMain } from "../lib/core/cli.js";
import { runCellScript } from "../lib/core/runner.js";
import { ExportOutputsSchema } from "../lib/export/export.js";
import { RunbookError } from "../lib/core/errors.js";
import { digestFiles, firstValidationExample, importPlan, writeModelfile } from "../lib/serve/import-plan.js";
import { serveSpec } from "../lib/serve/modelfile.js";
import { createOllamaClient, ollamaAnswers, ollamaHost } from "../lib/serve/ollama.js";
import { ollamaBaseUrl } from "../lib/serve/blobs.js";
import { type ImportRecord, importModel } from "../lib/serve/import.js";
import { type SmokeResult, SmokeResultSchema, checkServedTemplate, generateRaw, generateWithLlamaCpp, installedSize, smokeTest } from "../lib/serve/smoke.js";
import { PROMPT_VERSION, TRAINING_INSTRUCTION } from "../lib/conventional/prompt.js";
import { type ProgressBar, chalk, createProgressBar, renderTable, tick } from "../lib/core/ui.js";
import { ConfigSchema, type Config } from "./00-config.js";
import exportGgufCell from "./06-export.js";

const cell = defineCell({
  id: "07-import",
  title: "Import into Ollama",
  version: 1,
  dependsOn: [exportGgufCell],
  options: z.object({
    createWith: z.enum(["api", "cli"]).optional().describe("overrides ollama.createWith"),
    smoke: z.boolean().default(true).describe("generate for one validation diff after creating"),
  }),
  reads: (config: Config, options) => ({
    ollama: { ...config.ollama, createWith: options.createWith ?? config.ollama.createWith },
    modelfile: config.paths.modelfile,
    promptVersion: PROMPT_VERSION,
  }),
  preconditions: [
    {
      name: "Ollama reachable",
      check: async ({ config }) => !config.ollama.required || (await ollamaAnswers()) || `no Ollama answers at ${ollamaHost()}`,
      hint: "Start Ollama (`ollama serve` or the desktop app), or set OLLAMA_HOST to where it runs. With ollama.required: false, 07 smoke-tests the GGUF through the embedded llama.cpp instead.",
    },
  ],
  outputs: z.object({
    model: z.string(),
    /** false: no Ollama answered (ollama.required false), so nothing was imported; re-run with --force once it runs. */
    imported: z.boolean().default(true),
    created: z.boolean(),
    modelfile: z.string(),
    sizeBytes: z.number().optional(),
    smoke: SmokeResultSchema.optional(),
  }),
  outs: (config) => [config.paths.modelfile],
  run: async ({ config, options, path, log, state, force, upstream, signal }) => {
    const exported = ExportOutputsSchema.parse(upstream("06-export"));
    const example = await firstValidationExample(path(config.paths.dataset, "validation.jsonl"));
    const artifact = path(exported.artifact);
    const spec = serveSpec(TRAINING_INSTRUCTION, config.ollama, exported.eosToken);
    const modelfile = path(config.paths.modelfile);
    await writeModelfile(modelfile, artifact, spec);
    log(`Wrote ${config.paths.modelfile} (FROM ${exported.artifact}, TEMPLATE = the training prompt, stop ${JSON.stringify(spec.parameters.stop)})`);

    const smokeRows = (smoke: SmokeResult) => [
      ["smoke test", `${smoke.id}: ${JSON.stringify(smoke.output)} (${smoke.latencyMs} ms, ${smoke.via})`],
      ["Conventional Commit", smoke.valid ? tick(true) : `${tick(false)} ${smoke.errors.join("; ")}`],
    ];
    if (options.smoke && !example) log(chalk.yellow(`No ${config.paths.dataset}/validation.jsonl: smoke test skipped.`));

    if (!config.ollama.required && !(await ollamaAnswers())) {
      log(`No Ollama at ${ollamaHost()}: ${config.ollama.model} is not imported (ollama.required is false); the smoke test runs on the GGUF through the embedded llama.cpp.`);
      if (exported.format !== "gguf") log(chalk.yellow(`${exported.artifact} is a safetensors folder for Ollama to convert: llama.cpp cannot read it, smoke test skipped.`));
      const runs = options.smoke && example && exported.format === "gguf";
      const smoke = runs ? await smokeTest("llama-cpp", (prompt) => generateWithLlamaCpp(artifact, prompt, spec.parameters), example, config.conventional.types) : undefined;
      log(renderTable(["07-import", ""], [["model", `${config.ollama.model} not imported (no Ollama)`], ...(smoke ? smokeRows(smoke) : [])]));
      return { model: config.ollama.model, imported: false, created: false, modelfile: config.paths.modelfile, smoke };
    }

    const megabytes = (bytes: number) => Math.ceil(bytes / 1e6);
    const hashing = await createProgressBar("sha256 (MB)", megabytes(exported.sizeBytes));
    let hashed = 0;
    const files = await digestFiles(artifact, (n) => hashing.update(megabytes((hashed += n)))).finally(() => hashing.stop());
    const plan = importPlan(config.ollama.model, exported, files, spec);

    const client = await createOllamaClient();
    let uploading: ProgressBar | undefined;
    let sent = 0;
    const outcome = await importModel(client, ollamaBaseUrl(ollamaHost()), plan, {
      createWith: options.createWith ?? config.ollama.createWith,
      modelfile,
      previous: state.get().import as ImportRecord | undefined,
      force,
      hooks: {
        beforeUpload: async (total) => void (uploading = await createProgressBar("upload (MB)", megabytes(total))),
        onBytes: (n) => uploading?.update(megabytes((sent += n))),
        onStatus: (status) => log(chalk.gray(`  ${status}`)),
        signal,
      },
    }).finally(() => uploading?.stop());
    await state.save({ import: outcome.record });
    log(outcome.created ? `${chalk.green("✓")} created ${plan.model} (${outcome.reasons.join(", ")})` : `${plan.model} is up to date in Ollama (same weights, template and parameters)`);

    const input = example?.input ?? "diff --git a/README.md b/README.md\n+Hello";
    const template = await checkServedTemplate(client, plan.model, TRAINING_INSTRUCTION, input);
    if (!template.ok) {
      throw new RunbookError(`Ollama does not serve ${plan.model} with the training prompt: ${template.detail}.`, "Re-run 07-import with --force; if it persists, upgrade Ollama (DESIGN §7).");
    }
    log(`${tick(true)} ${template.detail}`);

    const sizeBytes = await installedSize(client, plan.model);
    const generate = (prompt: string) => generateRaw(client, plan.model, prompt, config.ollama.numPredict);
    const smoke = options.smoke && example ? await smokeTest("ollama", generate, example, config.conventional.types) : undefined;
    const rows = [
      ["model", `${plan.model} ${outcome.created ? "(created)" : "(unchanged)"}${sizeBytes ? `, ${(sizeBytes / 1e6).toFixed(0)} MB in Ollama` : ""}`],
      ...(smoke ? smokeRows(smoke) : []),
    ];
    log(renderTable(["07-import", ""], rows));
    return { model: plan.model, imported: true, created: outcome.created, modelfile: config.paths.modelfile, sizeBytes, smoke };
  },
  summarize: (out) =>
    `${out.imported ? `ollama model ${out.model}${out.created ? " (created)" : " (unchanged)"}` : `${out.model} not imported (no Ollama)`}${out.smoke ? `, smoke ${out.smoke.valid ? "valid" : "invalid"} (${out.smoke.via})` : ""}`,
});

export default cell;
if (isMain(import.meta.url)) await runCellScript(cell, ConfigSchema);
