// A full disk and a file size limit, for real: a 600 KB tmpfs (when this
// process may mount one) and `ulimit -f` in a child process (anywhere). Every
// way the runbook writes must fail naming the path, leave the previous file
// exactly as it was, and leave no temp file behind.
import { readFile, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openAtomicJsonl } from "../../lib/core/atomic-jsonl.js";
import { WriteError, writeFileAtomic } from "../../lib/core/files.js";
import { appendJsonl, readJsonl } from "../../lib/core/jsonl.js";
import { REPO_ROOT, tempDir } from "../helpers/process.js";
import { mountSmallDisk, runTsxUnderFileLimit, type SmallDisk } from "../helpers/small-disk.js";

const PREVIOUS = { whole: '{"old":true}\n', stream: '{"i":-1}\n', append: '{"n":1}\n{"n":2}\n' };

async function seed(dir: string): Promise<void> {
  await writeFile(join(dir, "whole.json"), PREVIOUS.whole);
  await writeFile(join(dir, "stream.jsonl"), PREVIOUS.stream);
  await writeFile(join(dir, "append.jsonl"), PREVIOUS.append);
}

async function expectPreviousFiles(dir: string): Promise<void> {
  expect(await readFile(join(dir, "whole.json"), "utf8")).toBe(PREVIOUS.whole);
  expect(await readFile(join(dir, "stream.jsonl"), "utf8")).toBe(PREVIOUS.stream);
  expect(await readFile(join(dir, "append.jsonl"), "utf8")).toBe(PREVIOUS.append);
  expect((await readdir(dir)).filter((name) => name.includes(".tmp-"))).toEqual([]);
}

const disks: SmallDisk[] = [];
afterAll(async () => {
  for (const disk of disks) await disk.unmount();
});

describe("writes on a full disk", () => {
  it.runIf(process.getuid?.() === 0)("fail naming the path on a 600 KB tmpfs and keep the previous files", async () => {
    const disk = await mountSmallDisk("600k");
    if (!disk) return; // no tmpfs here (a container without the capability): the ulimit test below still runs
    disks.push(disk);
    await seed(disk.dir);
    await writeFile(join(disk.dir, "filler"), Buffer.alloc(500 * 1024));
    const big = "x".repeat(1024);

    const whole = await writeFileAtomic(join(disk.dir, "whole.json"), big.repeat(1024)).catch((e: unknown) => e);
    expect(whole).toBeInstanceOf(WriteError);
    expect((whole as Error).message).toBe(`Could not write ${join(disk.dir, "whole.json")}: no space left on the device (ENOSPC); the previous whole.json is untouched.`);
    expect((whole as WriteError).hint).toContain(`df -h ${disk.dir}`);

    const writer = await openAtomicJsonl(join(disk.dir, "stream.jsonl"));
    const stream = await (async () => {
      for (let i = 0; i < 1024; i++) await writer.write({ i, big });
      await writer.commit();
    })().catch((e: unknown) => e);
    expect((stream as Error).message).toMatch(/^Could not write .*stream\.jsonl: no space left on the device/);

    const append = await appendJsonl(join(disk.dir, "append.jsonl"), { big: big.repeat(200) }).catch((e: unknown) => e);
    expect((append as Error).message).toMatch(/append\.jsonl: .*; the partial line was removed again\.$/);
    await expectPreviousFiles(disk.dir);

    // With room again, the same append lands whole after the two old lines.
    await rm(join(disk.dir, "filler"));
    await appendJsonl(join(disk.dir, "append.jsonl"), { n: 3 });
    expect(await readJsonl(join(disk.dir, "append.jsonl"))).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it("fail naming the path under `ulimit -f` in a child process and keep the previous files", async () => {
    const dir = await tempDir();
    await seed(dir);
    // Each write below is 1 MiB.
    const result = await runTsxUnderFileLimit(join(REPO_ROOT, "test/fixtures/write-past-limit.ts"), [dir], { cwd: dir, kib: 64 });
    expect(result.stderr).toBe("");
    const errors = JSON.parse(result.stdout) as Record<string, string>;
    expect(errors.whole).toBe(`Could not write ${join(dir, "whole.json")}: the file grew past the size limit (ulimit -f or the file system's) (EFBIG); the previous whole.json is untouched.`);
    expect(errors.stream).toMatch(/^Could not write .*stream\.jsonl: the file grew past the size limit/);
    expect(errors.append).toMatch(/append\.jsonl: the file grew past the size limit .*the partial line was removed again\.$/);
    await expectPreviousFiles(dir);
  });
});
