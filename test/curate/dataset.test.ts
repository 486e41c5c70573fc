import { execFile } from "node:child_process";
import { copyFile, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { verifyDataset } from "../../lib/curate/dataset.js";
import { writeCuratedFixture } from "../fixtures/curated-dataset.js";
import { REPO_ROOT, tempDir } from "../helpers/process.js";

const COMMITTED = join(REPO_ROOT, "test/fixtures/curated");

/** python3 -m unittest test_dataset in python/, on the dataset folder given. */
async function pythonUnittest(datasetDir: string): Promise<{ code: number; output: string }> {
  try {
    const { stderr } = await promisify(execFile)("python3", ["-m", "unittest", "-v", "test_dataset"], {
      cwd: join(REPO_ROOT, "python"),
      env: { ...process.env, JOCO_DATASET_DIR: datasetDir },
    });
    return { code: 0, output: stderr };
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    return { code: failed.code, output: failed.stderr };
  }
}

describe("the curated dataset in Python", () => {
  it("loads what the TypeScript code writes with python/'s loader (iter_jsonl + format_prompt)", async () => {
    const dir = await tempDir();
    const stats = await writeCuratedFixture(dir);
    expect(stats.examples.train).toBeGreaterThan(0);
    const { code, output } = await pythonUnittest(dir);
    expect(output).toMatch(/test_every_example_renders_into_prompt_answer_and_eos .*\.\.\. ok/);
    expect(output).toMatch(/test_chat_rendering_is_the_same_examples .*\.\.\. ok/);
    expect(code).toBe(0);
  });

  it("fails in Python when an example lost its answer's header", async () => {
    const dir = await tempDir();
    await writeCuratedFixture(dir);
    const file = join(dir, "train.jsonl");
    const lines = (await readFile(file, "utf8")).split("\n");
    const first = JSON.parse(lines[0]!);
    lines[0] = JSON.stringify({ ...first, output: "Here is the commit message" });
    await writeFile(file, lines.join("\n"));
    const { code, output } = await pythonUnittest(dir);
    expect(code).not.toBe(0);
    expect(output).toContain("Here is the commit message");
  });

  it("keeps test/fixtures/curated equal to what the code writes now", async () => {
    const dir = await tempDir();
    await writeCuratedFixture(dir);
    const names = (await readdir(dir)).sort();
    expect((await readdir(COMMITTED)).sort()).toEqual(names);
    for (const name of names) {
      const fresh = await readFile(join(dir, name), "utf8");
      const committed = await readFile(join(COMMITTED, name), "utf8");
      expect(committed, `${name} drifted: npx tsx test/fixtures/curated-dataset.ts test/fixtures/curated`).toBe(fresh);
    }
  });
});

describe("the dataset as one unit", () => {
  it("is whole while its files match the manifest written last, and names a file from another run", async () => {
    const dir = await tempDir();
    await writeCuratedFixture(dir);
    expect(await verifyDataset(dir)).toBe(true);
    // As if a crash came between two renames: validation.jsonl from another run beside this train.jsonl.
    await copyFile(join(dir, "train.jsonl"), join(dir, "validation.jsonl"));
    expect(await verifyDataset(dir)).toBe(`${join(dir, "validation.jsonl")} is not the file 04-curate wrote with the others (${join(dir, "manifest.json")})`);
    // A dataset made by hand has no manifest, and is taken as it is.
    await rm(join(dir, "manifest.json"));
    expect(await verifyDataset(dir)).toBe(true);
  });
});
