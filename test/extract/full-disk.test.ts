// 02-extract as a user meets a full disk: `paths.raw` on a 600 KB tmpfs (as
// root), else every file limited to 600 KiB by `ulimit -f`. The cell fails
// naming the file, the previous file stays byte for byte, and once there is
// room the next run re-extracts what is missing. A raw file changed behind
// the runbook's back is not "unchanged": it is extracted again.
import { readFile, readdir, rm, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCheckpoints } from "../../lib/core/checkpoints.js";
import { readJsonl } from "../../lib/core/jsonl.js";
import { RawDiffSchema } from "../../lib/core/records.js";
import { createRepo, lines } from "../helpers/git-fixture.js";
import { REPO_ROOT, type ProcessResult, runTsx, tempDir } from "../helpers/process.js";
import { type SmallDisk, mountSmallDisk, runTsxUnderFileLimit } from "../helpers/small-disk.js";

const EXTRACT = join(REPO_ROOT, "runbook/02-extract.ts");
const RUNBOOK = join(REPO_ROOT, "runbook/run.ts");
const BIG_COMMITS = 14; // ~55 KB of diff each: ~770 KB in all, more than the 600 KB there is

let root: string;
let rawDir: string;
let disk: SmallDisk | undefined;

/** 02-extract where the disk is small: on the tmpfs, or under the file size limit. */
const extractOnSmallDisk = (args: string[]): Promise<ProcessResult> =>
  disk ? runTsx(EXTRACT, args, { cwd: root }) : runTsxUnderFileLimit(EXTRACT, args, { cwd: root, kib: 600 });
const extract = (args: string[] = []) => runTsx(EXTRACT, args, { cwd: root });
const rawLines = async (name: string) => (await readJsonl(join(rawDir, `${name}.jsonl`), RawDiffSchema)).length;
const lineOf = (stdout: string, id: string) => stdout.split("\n").find((line) => line.includes(id)) ?? "";

beforeAll(async () => {
  root = await tempDir("joco-disk-project-");
  const small = await createRepo(join(root, "sources/small"));
  await small.commit({ message: "chore: init", files: { "a.ts": "a\n" } });
  for (let i = 0; i < 3; i++) await small.commit({ message: `feat: small ${i}`, files: { [`s${i}.ts`]: lines(20, `small${i}`) } });
  const big = await createRepo(join(root, "sources/big"));
  await big.commit({ message: "chore: init", files: { "a.ts": "a\n" } });
  for (let i = 0; i < BIG_COMMITS; i++) await big.commit({ message: `feat: big ${i}`, files: { [`b${i}.ts`]: lines(5000, `big${i}`) } });
  const ng = await createRepo(join(root, "sources/ng"));
  await ng.commit({ message: "chore: init", files: { "a.ts": "a\n" } });
  await ng.commit({ message: "fix(core): keep the zone", files: { "b.ts": "b\n" } });

  // paths.raw inside the project: on the tmpfs where one can be mounted, else a plain folder under ulimit -f.
  rawDir = join(root, "raw");
  disk = await mountSmallDisk("600k", rawDir);
  const config = {
    paths: { raw: "raw" },
    repos: [{ name: "small", url: small.url }, { name: "big", url: big.url, max: BIG_COMMITS }],
    benchmark: { source: { name: "ng", url: ng.url } },
    extract: { diffBudgetChars: 60_000, maxChangedLines: 10_000 },
    curation: { target: 1, max: 10, minScore: 0 },
    labeling: { backend: "original" },
  };
  await writeFile(join(root, "joco.config.json"), JSON.stringify(config));
  const clone = await runTsx(join(REPO_ROOT, "runbook/01-clone.ts"), [], { cwd: root });
  expect(clone.code, clone.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  await disk?.unmount();
});

describe("02-extract on a disk that fills up", () => {
  it("fails naming the file, keeps the previous one, and re-extracts what is missing once there is room", async () => {
    expect((await extract(["--max", "2"])).code).toBe(0);
    const previous = await readFile(join(rawDir, "big.jsonl"));
    expect(await rawLines("big")).toBe(2);

    const full = await extractOnSmallDisk([]);
    expect(full.code).toBe(1);
    expect(full.stderr).toMatch(new RegExp(`Could not write ${join(rawDir, "big.jsonl")}: (no space left on the device|the file grew past the size limit)`));
    expect(full.stderr).toContain("the previous big.jsonl is untouched");
    expect(await readFile(join(rawDir, "big.jsonl"))).toEqual(previous);
    expect((await readdir(rawDir)).filter((name) => name.includes(".tmp-"))).toEqual([]);
    expect((await readCheckpoints(root)).cells["02-extract"]).toMatchObject({ status: "failed" });

    await disk?.resize("8m");
    const roomy = await extract();
    expect(roomy.code, roomy.stderr).toBe(0);
    expect(await rawLines("big")).toBe(BIG_COMMITS);
    expect(await rawLines("small")).toBe(3);
  });

  it("extracts again a raw file that was cut short, instead of calling it unchanged", async () => {
    const before = await readFile(join(rawDir, "small.jsonl"), "utf8");
    await truncate(join(rawDir, "small.jsonl"), Math.floor(before.length / 2));
    const status = await runTsx(RUNBOOK, ["status"], { cwd: root });
    expect(lineOf(status.stdout, "02-extract")).toMatch(/stale.*output .*small\.jsonl changed/);

    const again = await extract();
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("big (unchanged)");
    expect(again.stdout).not.toContain("small (unchanged)");
    expect(await readFile(join(rawDir, "small.jsonl"), "utf8")).toBe(before);
  });

  it("re-makes a deleted raw file when `npm run runbook` runs", async () => {
    await rm(join(rawDir, "small.jsonl"));
    const run = await runTsx(RUNBOOK, ["--dry-run"], { cwd: root });
    expect(lineOf(run.stdout, "02-extract")).toMatch(/run.*stale: output .*small\.jsonl is missing/);
    // The whole runbook: 02 re-made, then 03 and 04 on the original labeler; it stops at 05 (no training stack needed here).
    const all = await runTsx(RUNBOOK, [], { cwd: root });
    // The clones were only read since 01 recorded them: 01 is still done.
    expect(all.stdout).toContain("01-clone Clone source repositories: done, skipped");
    expect(all.stdout).toContain("▶ 02-extract");
    expect(await rawLines("small")).toBe(3);
    expect((await readCheckpoints(root)).cells["02-extract"]?.status).toBe("done");
  });
});
