/**
 * Between 06's outputs and Ollama: the Modelfile on disk, the files to hand
 * over with their digests, and the validation example the smoke test uses.
 */
import { dirname, relative } from "node:path";
import type { ExportOutputs } from "../export/export.js";
import { RunbookError } from "../core/errors.js";
import { writeFileAtomic } from "../core/files.js";
import { streamJsonl } from "../core/jsonl.js";
import { type ServeSpec, ollamaQuantizeName, renderModelfile } from "./modelfile.js";
import { type DigestedFile, modelFiles, sha256File } from "./blobs.js";
import type { ImportPlan } from "./import.js";
import { TRAINING_INSTRUCTION } from "../conventional/prompt.js";
import { type Curated, CuratedSchema } from "../core/records.js";

/** Writes the Modelfile with FROM relative to its own folder, as `ollama create -f` resolves it. */
export async function writeModelfile(modelfile: string, artifact: string, spec: ServeSpec): Promise<string> {
  const from = relative(dirname(modelfile), artifact);
  const text = renderModelfile(from.startsWith(".") ? from : `./${from}`, spec);
  await writeFileAtomic(modelfile, text);
  return text;
}

export async function digestFiles(artifact: string, onBytes?: (n: number) => void): Promise<DigestedFile[]> {
  const files = await modelFiles(artifact);
  const digested: DigestedFile[] = [];
  for (const file of files) digested.push({ ...file, digest: await sha256File(file.path, onBytes) });
  return digested;
}

export function importPlan(model: string, exported: ExportOutputs, files: DigestedFile[], spec: ServeSpec): ImportPlan {
  const quantize = exported.format === "safetensors" ? ollamaQuantizeName(exported.quantization) : undefined;
  return { model, format: exported.format, files, spec, ...(quantize && { quantize }) };
}

/**
 * The first validation example, or undefined without a validation set. It must
 * carry the instruction the TEMPLATE is built from, or training and serving differ.
 */
export async function firstValidationExample(file: string): Promise<Curated | undefined> {
  let example: Curated | undefined;
  try {
    for await (const record of streamJsonl(file, CuratedSchema)) {
      example = record;
      break;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  if (example && example.instruction !== TRAINING_INSTRUCTION) {
    throw new RunbookError(
      `${file}:1 was trained with another instruction than lib/conventional/prompt.ts's TRAINING_INSTRUCTION, so the served template would not match training.`,
      "Re-run 04-curate and 05-train with this version of the runbook.",
    );
  }
  return example;
}
