import { readFile, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { InterruptedError } from "../../lib/core/errors.js";
import { runExtractionJob } from "../../lib/extract/jobs.js";
import { readJsonl } from "../../lib/core/jsonl.js";
import { CaseSchema, RawDiffSchema } from "../../lib/core/records.js";
import { ConfigSchema } from "../../runbook/00-config.js";
import cloneCell from "../../runbook/01-clone.js";
import extractCell from "../../runbook/02-extract.js";
import { runCell } from "../helpers/cells.js";
import { createRepo, lines } from "../helpers/git-fixture.js";
import { tempDir } from "../helpers/process.js";

describe("02-extract cell", () => {
  let root: string;
  let config: ReturnType<typeof ConfigSchema.parse>;
  beforeAll(async () => {
    root = await tempDir();
    const app = await createRepo(join(root, "sources/app"));
    await app.commit({ message: "chore: init", files: { "src/a.ts": lines(10) } });
    for (let i = 0; i < 4; i++) await app.commit({ message: `feat: step ${i}`, files: { [`src/s${i}.ts`]: lines(5 + i) } });
    await app.commit({ message: "build: locks", files: { "yarn.lock": "x\n" } });
    const ng = await createRepo(join(root, "sources/ng"));
    await ng.commit({ message: "chore: init", files: { "a.ts": "a\n" } });
    await ng.commit({ message: "fix(core): keep the zone (#123)", files: { "b.ts": "b\n" } });
    await ng.commit({ message: "Random words", files: { "c.ts": "c\n" } });
    config = ConfigSchema.parse({
      repos: [{ name: "app", url: app.url, max: 3 }],
      benchmark: { source: { name: "ng", url: ng.url } },
    });
    expect((await runCell(cloneCell, root, config)).outcome).toBe("done");
  }, 30_000);

  it("writes raw diffs and benchmark cases, and prints scanned, kept and skipped by reason per repository", async () => {
    const run = await runCell(extractCell, root, config);
    expect(run.outcome).toBe("done");
    expect(run.record.outputs).toMatchObject({ kept: 3, cases: 1 });
    expect(run.record.summary).toBe("3 diffs from 1 repositories, 1 benchmark cases");
    const raw = await readJsonl(join(root, "dataset/raw/app.jsonl"), RawDiffSchema);
    expect(raw.map((r) => r.originalMessage)).toEqual(["feat: step 3", "feat: step 2", "feat: step 1"]);
    const cases = await readJsonl(join(root, "benchmark/cases/ng.jsonl"), CaseSchema);
    expect(cases.map((c) => c.expectedMessage)).toEqual(["fix(core): keep the zone"]);
    expect(run.output).toMatch(/│ app\s+│ train │ 4\s+│ 3\s+│ lockfile-only 1/);
    expect(run.output).toMatch(/│ ng\s+│ cases │ 3\s+│ 1\s+│ root 1, not-conventional 1/);
  });

  it("reuses a repository's file when neither its HEAD nor the settings changed; --force and --max redo it", async () => {
    const file = join(root, "dataset/raw/app.jsonl");
    const before = (await stat(file)).mtimeMs;
    const again = await runCell(extractCell, root, config);
    expect(again.output).toContain("app (unchanged)");
    expect((await stat(file)).mtimeMs).toBe(before);

    const forced = await runCell(extractCell, root, config, {}, true);
    expect(forced.output).not.toContain("(unchanged)");
    expect((await stat(file)).mtimeMs).toBeGreaterThan(before);

    const fewer = await runCell(extractCell, root, config, { max: 1 });
    expect(fewer.record.outputs).toMatchObject({ kept: 1, cases: 1 });
    expect(fewer.output).toContain("ng (unchanged)");
  });

  it("refuses to run without clones, or with the benchmark source among the training sources", async () => {
    const elsewhere = await tempDir();
    const noClones = await runCell(extractCell, elsewhere, config);
    expect(noClones.outcome).toBe("failed");
    expect(noClones.record.error).toMatch(/no usable clone of app, ng/);

    const leaking = ConfigSchema.parse({ ...config, repos: [...config.repos, { name: "ng2", url: config.benchmark.source.url }] });
    const leak = await runCell(extractCell, root, leaking);
    expect(leak.outcome).toBe("failed");
    expect(leak.record.error).toMatch(/is also a training source \(repos: ng2/);
  });

  it("on Ctrl-C leaves the previous file as it was and no temp file behind", async () => {
    const file = join(root, "dataset/raw/app.jsonl");
    const before = await readFile(file, "utf8");
    const controller = new AbortController();
    controller.abort("SIGINT");
    const job = {
      dir: join(root, "tmp/repos/app"),
      file,
      settings: { name: "app", repository: "app", role: "train" as const, max: 5, ...config.extract, types: config.conventional.types },
    };
    await expect(runExtractionJob(job, { force: true, signal: controller.signal })).rejects.toBeInstanceOf(InterruptedError);
    expect(await readFile(file, "utf8")).toBe(before);
    expect(await readdir(join(root, "dataset/raw"))).toEqual(["app.jsonl"]);
  });
});
