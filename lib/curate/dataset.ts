/**
 * The files of 04-curate: labeled files and benchmark cases in, the curated
 * dataset out (train / validation JSONL in the plan's format, the chat
 * rendering where asked, stats.json).
 */
import { readFile, readdir, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { z } from "zod";
import type { Candidate } from "./candidate.js";
import type { CurationStats } from "./report.js";
import { writeFileAtomic } from "../core/files.js";
import { readJsonl, writeJsonlAtomic } from "../core/jsonl.js";
import { fileStamp } from "../core/outs.js";
import { TRAINING_INSTRUCTION } from "../conventional/prompt.js";
import { type Case, CaseSchema, type Curated, type CuratedChat, type Labeled, LabeledSchema } from "../core/records.js";

/** Every `*.jsonl` of a folder, by name: [] when the folder does not exist. */
export async function jsonlFilesIn(folder: string): Promise<string[]> {
  try {
    return (await readdir(folder)).filter((name) => name.endsWith(".jsonl")).sort().map((name) => join(folder, name));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

/**
 * The labeled files of the configured repositories, merged in file-name then
 * line order (the order dedupe keeps the first of). A file left by a
 * repository since removed from the config is not read.
 */
export async function readLabeledFiles(folder: string, names: string[]): Promise<Labeled[]> {
  const records: Labeled[] = [];
  for (const name of [...names].sort()) records.push(...(await readJsonl(labeledFileOf(folder, name), LabeledSchema)));
  return records;
}

export const labeledFileOf = (folder: string, name: string) => join(folder, `${name}.jsonl`);

export async function readCasesFolder(folder: string): Promise<{ files: string[]; cases: Case[] }> {
  const files = await jsonlFilesIn(folder);
  const cases: Case[] = [];
  for (const file of files) cases.push(...(await readJsonl(file, CaseSchema)));
  return { files, cases };
}

export function toCurated(c: Candidate): Curated {
  return {
    instruction: TRAINING_INSTRUCTION,
    input: c.input,
    output: c.message,
    metadata: { id: c.id, repository: c.repository, commitHash: c.commitHash, type: c.type, scope: c.scope },
  };
}

export function toCuratedChat(example: Curated): CuratedChat {
  return {
    messages: [
      { role: "system", content: example.instruction },
      { role: "user", content: example.input },
      { role: "assistant", content: example.output },
    ],
    metadata: example.metadata,
  };
}

export interface DatasetFiles {
  train: string;
  validation: string;
  stats: string;
  /** Written last: names every other file with its size and hash, so a dataset cut short is told from a whole one. */
  manifest: string;
  /** Present when the chat rendering was written. */
  chat?: { train: string; validation: string };
}

export function datasetFiles(folder: string, chat: boolean): DatasetFiles {
  return {
    train: join(folder, "train.jsonl"),
    validation: join(folder, "validation.jsonl"),
    stats: join(folder, "stats.json"),
    manifest: join(folder, "manifest.json"),
    ...(chat ? { chat: { train: join(folder, "train.chat.jsonl"), validation: join(folder, "validation.chat.jsonl") } } : {}),
  };
}

/**
 * Each file is replaced atomically, and the files are one unit through the
 * manifest written last: a crash between two renames leaves a manifest that
 * no longer matches (verifyDataset). A chat rendering left from an earlier
 * run with chatFormat on is removed.
 */
export async function writeDataset(
  folder: string,
  split: { train: Candidate[]; validation: Candidate[] },
  stats: CurationStats,
  options: { chat: boolean },
): Promise<DatasetFiles> {
  const files = datasetFiles(folder, options.chat);
  const train = split.train.map(toCurated);
  const validation = split.validation.map(toCurated);
  await writeJsonlAtomic(files.train, train);
  await writeJsonlAtomic(files.validation, validation);
  const chatFiles = datasetFiles(folder, true).chat!;
  if (files.chat) {
    await writeJsonlAtomic(files.chat.train, train.map(toCuratedChat));
    await writeJsonlAtomic(files.chat.validation, validation.map(toCuratedChat));
  } else {
    await rm(chatFiles.train, { force: true });
    await rm(chatFiles.validation, { force: true });
  }
  await writeFileAtomic(files.stats, `${JSON.stringify(stats, null, 2)}\n`);
  const written = [files.train, files.validation, ...(files.chat ? [files.chat.train, files.chat.validation] : []), files.stats];
  const manifest = Object.fromEntries(written.map((file) => [basename(file), fileStamp(file)!]));
  await writeFileAtomic(files.manifest, `${JSON.stringify({ files: manifest }, null, 2)}\n`);
  return files;
}

const ManifestSchema = z.object({ files: z.record(z.string(), z.object({ size: z.number(), hash: z.string() })) });

/** true when the dataset's files are the ones its manifest names (or there is no manifest: a dataset made by hand), else what differs. */
export async function verifyDataset(folder: string): Promise<true | string> {
  const file = join(folder, "manifest.json");
  const text = await readFile(file, "utf8").catch(() => undefined);
  if (text === undefined) return true;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const manifest = ManifestSchema.safeParse(json);
  if (!manifest.success) return `${file} is not a dataset manifest`;
  const differ = Object.entries(manifest.data.files).filter(([name, stamp]) => {
    const now = fileStamp(join(folder, name));
    return now?.size !== stamp.size || now.hash !== stamp.hash;
  });
  return differ.length === 0 || `${differ.map(([name]) => join(folder, name)).join(", ")} ${differ.length === 1 ? "is" : "are"} not the file${differ.length === 1 ? "" : "s"} 04-curate wrote with the others (${file})`;
}
