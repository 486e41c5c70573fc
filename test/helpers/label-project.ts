/** A project folder for 03-label run as a user runs it: raw diffs, a config, and 01/02 recorded as done. */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { writeCheckpoints } from "../../lib/core/checkpoints.js";
import { readJsonl, writeJsonlAtomic } from "../../lib/core/jsonl.js";
import { LabeledSchema, type RawDiff } from "../../lib/core/records.js";
import { rawDiff } from "./labels.js";
import { tempDir } from "./process.js";

/** n raw diffs: alpha holds diffs 0..n/2-1, beta the rest. */
export function twoRepositories(n: number): Record<string, RawDiff[]> {
  const items = Array.from({ length: n }, (_, i) => rawDiff(i));
  const half = Math.ceil(n / 2);
  return {
    alpha: items.slice(0, half),
    beta: items.slice(half).map((item) => ({ ...item, id: item.id.replace("alpha", "beta"), repository: "acme/beta" })),
  };
}

export async function labelProject(sources: Record<string, RawDiff[]>, labeling: Record<string, unknown>): Promise<string> {
  const dir = await tempDir("joco-label-");
  const repos = Object.keys(sources).map((name) => ({ name, url: `file:///nowhere/${name}` }));
  await writeFile(join(dir, "joco.config.json"), JSON.stringify({ repos, labeling }));
  for (const [name, items] of Object.entries(sources)) await writeJsonlAtomic(join(dir, "dataset/raw", `${name}.jsonl`), items);
  const done = { status: "done" as const, fingerprint: "sha256:made-by-test", outputs: {} };
  await writeCheckpoints(dir, { version: 1, cells: { "01-clone": done, "02-extract": done } });
  return dir;
}

export const labeledIds = async (dir: string, name: string) => (await readJsonl(join(dir, "dataset/labeled", `${name}.jsonl`), LabeledSchema)).map((r) => r.id);
