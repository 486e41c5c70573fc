// Outputs tracked like DVC's `outs`: recorded when a cell finishes, checked by
// `status` and before a run; a missing or changed one re-runs its cell, and
// what depends on it re-runs only when the re-made output differs.
import { mkdir, readFile, rm, truncate, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CheckpointsSchema } from "../../lib/core/checkpoints.js";
import { outProblem, recordOuts, stampOut } from "../../lib/core/outs.js";
import { REPO_ROOT, runTsx, tempDir } from "../helpers/process.js";

const TOY = join(REPO_ROOT, "test/fixtures/toy-runbook.ts");
const toy = (cwd: string, args: string[], env: NodeJS.ProcessEnv = {}) => runTsx(TOY, args, { cwd, env });
const checkpointsOf = async (dir: string) => CheckpointsSchema.parse(JSON.parse(await readFile(join(dir, "checkpoints.json"), "utf8")));
const lineOf = (stdout: string, id: string) => stdout.split("\n").find((line) => line.includes(id)) ?? "";

describe("output records", () => {
  it("tell a missing, a shortened and a same-size rewritten file from one that was only touched", async () => {
    const root = await tempDir();
    await writeFile(join(root, "a.jsonl"), '{"n":1}\n{"n":2}\n');
    const out = stampOut(root, "a.jsonl")!;
    expect(out).toMatchObject({ path: "a.jsonl", kind: "file", size: 16 });
    expect(outProblem(root, out)).toBeUndefined();

    await utimes(join(root, "a.jsonl"), new Date(2020, 1, 1), new Date(2020, 1, 1));
    expect(outProblem(root, out)).toBeUndefined();
    await writeFile(join(root, "a.jsonl"), '{"n":1}\n{"n":3}\n');
    expect(outProblem(root, out)).toBe("output a.jsonl changed since it was written (same size, other content)");
    await truncate(join(root, "a.jsonl"), 8);
    expect(outProblem(root, out)).toBe("output a.jsonl changed since it was written (16 → 8 bytes)");
    await rm(join(root, "a.jsonl"));
    expect(outProblem(root, out)).toBe("output a.jsonl is missing");
  });

  it("record a folder by every file in it, and name what was never written", async () => {
    const root = await tempDir();
    await mkdir(join(root, "lora/sub"), { recursive: true });
    await writeFile(join(root, "lora/adapter_config.json"), "{}");
    await writeFile(join(root, "lora/sub/weights.bin"), Buffer.alloc(9 * 1024 * 1024, 7));
    const { outs, missing } = recordOuts(root, [join(root, "lora"), "nowhere.txt"]);
    expect(missing).toEqual(["nowhere.txt"]);
    expect(outs[0]).toMatchObject({ path: "lora", kind: "dir", files: 2, size: 9 * 1024 * 1024 + 2 });
    expect(outs[0]!.hash).toMatch(/^[0-9a-f]{16}$/);
    await writeFile(join(root, "lora/sub/extra.txt"), "x");
    expect(outProblem(root, outs[0]!)).toMatch(/^output lora changed since it was written/);
  });
});

describe("a done cell whose output is gone (real processes)", () => {
  it("is stale in status, naming the file; a run re-makes it and skips what reads it when the content is the same", async () => {
    const dir = await tempDir();
    expect((await toy(dir, [])).code).toBe(0);
    expect((await checkpointsOf(dir)).cells["02-shout"]?.outs).toMatchObject([{ path: "out/shout.txt", kind: "file" }]);
    await rm(join(dir, "out/shout.txt"));

    const status = await toy(dir, ["status"]);
    expect(lineOf(status.stdout, "02-shout")).toMatch(/stale.*output out\/shout\.txt is/);
    expect(lineOf(status.stdout, "03-report")).toMatch(/stale.*upstream 02-shout is stale/);

    const run = await toy(dir, []);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("▶ 02-shout");
    expect(run.stdout).toContain("03-report Report: done, skipped (its upstream re-made the same outputs)");
    expect(await readFile(join(dir, "out/shout.txt"), "utf8")).toBe("WORD0!\nWORD1!\nWORD2!");
    expect((await toy(dir, ["status"])).stdout).toContain("Every cell is done.");
  });

  it("re-runs what reads an output that came out different, and stops a single cell whose upstream output changed", async () => {
    const dir = await tempDir();
    expect((await toy(dir, [])).code).toBe(0);
    // 01 forced with other words: same fingerprint, other content, so 02 must run again.
    expect((await toy(dir, ["--only", "01", "--force"], { TOY_WORD: "other" })).code).toBe(0);
    expect(lineOf((await toy(dir, ["status"])).stdout, "02-shout")).toMatch(/stale.*upstream 01-count wrote other outputs/);

    await writeFile(join(dir, "out/words.txt"), "edited by hand");
    const alone = await toy(dir, ["cell", "02-shout"]);
    expect(alone.code).toBe(1);
    expect(alone.stderr).toMatch(/01-count done \(it was, but output out\/words\.txt changed since it was written/);
    expect(alone.stderr).toContain("Run `npx tsx runbook/01-count.ts` first.");

    const run = await toy(dir, [], { TOY_WORD: "other" });
    expect(run.code).toBe(0);
    expect(await readFile(join(dir, "out/report.txt"), "utf8")).toBe("report\nOTHER0!\nOTHER1!\nOTHER2!");
  });
});
