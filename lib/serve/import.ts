/**
 * Creates the served model in Ollama from 06's artifact and the ServeSpec:
 * through the HTTP API (blobs, then `create` with `files`) or the `ollama`
 * CLI with the Modelfile. Idempotent: a model whose weights, template,
 * system and parameters already match is left alone.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { CreateRequest, Ollama, ShowResponse } from "ollama";
import { CommandError, RunbookError, errorMessage } from "../core/errors.js";
import type { ServeSpec } from "./modelfile.js";
import { type DigestedFile, uploadBlob } from "./blobs.js";

const run = promisify(execFile);

/** What was imported last time (kept in the cell's state): a converted folder has no digest Ollama shows back. */
export interface ImportRecord {
  model: string;
  digests: string[];
  quantize?: string;
}

export interface ImportPlan {
  model: string;
  files: DigestedFile[];
  format: "gguf" | "safetensors";
  spec: ServeSpec;
  /** Ollama's name (`q4_K_M`) for a folder it converts; a GGUF is imported as it is. */
  quantize?: string;
}

/** `/api/show`'s `parameters` text (`stop    "### Input:"` per line) back into values, lists for repeated keys. */
export function parseShowParameters(text: string): Record<string, Array<string | number>> {
  const parsed: Record<string, Array<string | number>> = {};
  for (const line of text.split("\n")) {
    const match = /^(\S+)\s+(.*)$/.exec(line.trim());
    if (!match) continue;
    const [, key, raw] = match as unknown as [string, string, string];
    let value: string | number = raw;
    if (raw.startsWith('"')) {
      try {
        value = JSON.parse(raw) as string;
      } catch {
        value = raw.slice(1, -1);
      }
    } else if (raw !== "" && !Number.isNaN(Number(raw))) value = Number(raw);
    (parsed[key] ??= []).push(value);
  }
  return parsed;
}

const canonical = (params: Record<string, unknown>) =>
  JSON.stringify(
    Object.entries(params)
      .map(([k, v]) => [k, (Array.isArray(v) ? v : [v]).map(String).sort()] as const)
      .sort(([a], [b]) => a.localeCompare(b)),
  );

/** Why the installed model differs from the plan; empty when it is up to date. */
export function importDifferences(show: ShowResponse, plan: ImportPlan, previous: ImportRecord | undefined): string[] {
  const reasons: string[] = [];
  if (plan.format === "gguf") {
    const from = /^FROM .*sha256[-:]([0-9a-f]{64})/m.exec(show.modelfile ?? "")?.[1];
    if (`sha256:${from}` !== plan.files[0]?.digest) reasons.push("different weights");
  } else {
    const same = previous?.model === plan.model && previous.quantize === plan.quantize;
    if (!same || previous.digests.join() !== plan.files.map((f) => f.digest).join()) reasons.push("different weights");
  }
  if (show.template !== plan.spec.template) reasons.push("different template");
  if ((show.system ?? "") !== (plan.spec.system ?? "")) reasons.push("different system prompt");
  if (canonical(parseShowParameters(show.parameters ?? "")) !== canonical(plan.spec.parameters)) reasons.push("different parameters");
  return reasons;
}

/** The installed model's show, or undefined when Ollama has no such model. */
export async function showModel(client: Ollama, model: string): Promise<ShowResponse | undefined> {
  try {
    return await client.show({ model });
  } catch (error) {
    if ((error as { status_code?: number }).status_code === 404) return undefined;
    throw error;
  }
}

export function createRequest(plan: ImportPlan): CreateRequest & { files: Record<string, string>; stream: true } {
  return {
    model: plan.model,
    files: Object.fromEntries(plan.files.map((f) => [f.name, f.digest])),
    template: plan.spec.template,
    ...(plan.spec.system !== undefined ? { system: plan.spec.system } : {}),
    parameters: plan.spec.parameters,
    ...(plan.quantize ? { quantize: plan.quantize } : {}),
    stream: true,
  };
}

export interface ImportHooks {
  /** Called once with the bytes to hand over, before the first upload (a progress bar starts here). */
  beforeUpload?: (totalBytes: number) => void | Promise<void>;
  onBytes?: (n: number) => void;
  onStatus?: (status: string) => void;
  signal?: AbortSignal;
}

/** Uploads what is missing, then creates the model; `onStatus` gets Ollama's progress lines. */
export async function createWithApi(
  client: Ollama,
  baseUrl: string,
  plan: ImportPlan,
  hooks: ImportHooks = {},
): Promise<void> {
  await hooks.beforeUpload?.(plan.files.reduce((sum, f) => sum + f.size, 0));
  for (const file of plan.files) {
    hooks.signal?.throwIfAborted();
    await uploadBlob(baseUrl, file, { onBytes: hooks.onBytes, signal: hooks.signal });
  }
  hooks.signal?.throwIfAborted();
  try {
    for await (const progress of await client.create(createRequest(plan))) hooks.onStatus?.(progress.status);
  } catch (error) {
    throw new RunbookError(
      `Ollama could not create ${plan.model}: ${errorMessage(error)}`,
      plan.format === "safetensors"
        ? "Converting a safetensors folder needs Ollama 0.5.6 or newer (`ollama --version`); or install llama.cpp so that 06 writes a GGUF."
        : "Check the Ollama server log (`journalctl -u ollama` or ~/.ollama/logs/server.log).",
    );
  }
}

/** `ollama create <model> -f Modelfile [-q …]`: the CLI uploads the files the Modelfile's FROM names itself. */
export async function createWithCli(plan: ImportPlan, modelfile: string, signal?: AbortSignal): Promise<void> {
  const args = ["create", plan.model, "-f", modelfile, ...(plan.quantize ? ["-q", plan.quantize] : [])];
  try {
    await run("ollama", args, { signal, maxBuffer: 16 << 20 });
  } catch (error) {
    const failure = error as { code?: number | string; stderr?: string };
    if (failure.code === "ENOENT") {
      throw new RunbookError("The ollama CLI is not on PATH.", "Install Ollama, or set ollama.createWith to \"api\" (the default).");
    }
    throw new CommandError(`ollama ${args.join(" ")}`, typeof failure.code === "number" ? failure.code : null, failure.stderr ?? "", "Read Ollama's message above; `ollama --version` must be 0.5.6+ for a safetensors folder.");
  }
}

export interface ImportOutcome {
  created: boolean;
  /** Why it was (re-)created: "not in Ollama", "different template", …; empty when skipped. */
  reasons: string[];
  record: ImportRecord;
}

/** Creates the model unless Ollama already holds exactly this one (or `force`). */
export async function importModel(
  client: Ollama,
  baseUrl: string,
  plan: ImportPlan,
  options: {
    createWith: "api" | "cli";
    /** The Modelfile on disk, for the CLI route. */
    modelfile: string;
    previous?: ImportRecord;
    force?: boolean;
    hooks?: ImportHooks;
  },
): Promise<ImportOutcome> {
  const record: ImportRecord = { model: plan.model, digests: plan.files.map((f) => f.digest), quantize: plan.quantize };
  const show = await showModel(client, plan.model);
  const reasons = options.force ? ["--force"] : show ? importDifferences(show, plan, options.previous) : [`${plan.model} is not in Ollama`];
  if (reasons.length === 0) return { created: false, reasons, record };
  if (options.createWith === "cli") await createWithCli(plan, options.modelfile, options.hooks?.signal);
  else await createWithApi(client, baseUrl, plan, options.hooks);
  return { created: true, reasons, record };
}
