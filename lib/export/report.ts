/**
 * What 06 says about the file it wrote: the GGUF checked in TypeScript
 * (magic, version, architecture, quantization, tensors, embedded template)
 * and its size against the plan's target beside the published sizes of the
 * alternatives (DESIGN §7: Qwen2.5-Coder-1.5B at q4_k_m is ~1 GB, not 600 MB).
 */
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { RunbookError } from "../core/errors.js";
import { type GgufHeader, eosTokenOf, readGgufHeader, tensorTypeCounts } from "./gguf.js";

/** Published GGUF sizes, in MB (10^6 bytes); also in runbook/00-config.ts and the README. */
export const KNOWN_GGUF_SIZES_MB = [
  { model: "Qwen2.5-Coder-1.5B", quantization: "q4_k_m", sizeMB: 986 },
  { model: "Qwen2.5-Coder-1.5B", quantization: "q8_0", sizeMB: 1650 },
  { model: "Qwen2.5-Coder-0.5B", quantization: "q4_k_m", sizeMB: 398 },
  { model: "Qwen2.5-Coder-0.5B", quantization: "q8_0", sizeMB: 531 },
  { model: "Qwen3-0.6B", quantization: "q8_0", sizeMB: 639 },
  { model: "Llama-3.2-1B", quantization: "q4_k_m", sizeMB: 808 },
];

export const megabytes = (bytes: number) => bytes / 1e6;
const vsTarget = (sizeMB: number, targetMB: number) => {
  const delta = Math.round(((sizeMB - targetMB) / targetMB) * 100);
  return delta === 0 ? "on target" : `${delta > 0 ? "+" : ""}${delta}%`;
};

export interface GgufCheck {
  header: GgufHeader;
  eosToken?: string;
  /** True when the tokenizer.chat_template in the file is our Alpaca frame (not ChatML). */
  frameTemplate: boolean;
}

/** Reads the header and holds it to what was asked: a GGUF of this quantization, with an architecture and tensors. */
export function verifyGguf(file: string, quantization: string): GgufCheck {
  const header = readGgufHeader(file);
  const problems: string[] = [];
  if (!header.architecture) problems.push("it has no general.architecture");
  if (header.tensorCount === 0) problems.push("it holds no tensors");
  if (header.quantization?.toLowerCase() !== quantization) problems.push(`its file type is ${header.quantization ?? "missing"}, not ${quantization.toUpperCase()}`);
  if (problems.length) throw new RunbookError(`${file} is not the model that was asked for: ${problems.join("; ")}.`, "Re-run 06-export with --force.");
  const template = header.metadata["tokenizer.chat_template"];
  return { header, eosToken: eosTokenOf(header), frameTemplate: typeof template === "string" && template.includes("### Instruction:") };
}

/** Rows for the file table. */
export function ggufRows(check: GgufCheck): Array<[string, string]> {
  const { header } = check;
  return [
    ["file", `${header.file}`],
    ["format", `GGUF v${header.version}`],
    ["architecture", header.architecture ?? "?"],
    ["quantization", header.quantization ?? "?"],
    ["tensors", `${header.tensorCount} (${tensorTypeCounts(header).map(([t, n]) => `${t} ×${n}`).join(", ")})`],
    ["metadata keys", String(header.metadataCount)],
    ["EOS token", check.eosToken ?? "?"],
    ["chat_template", check.frameTemplate ? "the training frame" : "NOT the training frame: Ollama may detect ChatML"],
  ];
}

/** Ours beside the published sizes, each against the target. */
export function sizeRows(ours: { label: string; sizeBytes: number }, targetMB: number): string[][] {
  const oursMB = megabytes(ours.sizeBytes);
  return [
    [`${ours.label} (this export)`, `${oursMB.toFixed(0)} MB`, vsTarget(oursMB, targetMB)],
    ...KNOWN_GGUF_SIZES_MB.map((k) => [`${k.model} ${k.quantization}`, `${k.sizeMB} MB`, vsTarget(k.sizeMB, targetMB)]),
  ];
}

/** A merged folder's weight: what Ollama converts (the quantized model is smaller; 07 reports it). */
export async function folderSize(dir: string): Promise<number> {
  const names = await readdir(dir);
  const sizes = await Promise.all(names.map(async (n) => (await stat(join(dir, n))).size));
  return sizes.reduce((a, b) => a + b, 0);
}
