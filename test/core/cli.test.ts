import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT, runTsx, tempDir } from "../helpers/process.js";

const CELLS = ["01-clone", "02-extract", "03-label", "04-curate", "05-train", "06-export", "07-import", "08-benchmark", "09-log"];
const run = async (script: string, args: string[]) => runTsx(join(REPO_ROOT, "runbook", script), args, { cwd: await tempDir() });

describe("the runbook's command line", () => {
  it("lists cells 01–09 with titles and states", async () => {
    const result = await run("run.ts", ["status"]);
    expect(result.code).toBe(0);
    for (const id of CELLS) expect(result.stdout).toMatch(new RegExp(`${id} \\S.*│\\s+pending\\s+│`));
  });

  it("prints help for run.ts", async () => {
    const result = await run("run.ts", ["--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("status");
    expect(result.stdout).toContain("doctor");
  });

  it.each(CELLS)("prints help for %s generated from its options", async (id) => {
    const result = await run(`${id}.ts`, ["--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Usage: npx tsx runbook/${id}.ts`);
    expect(result.stdout).toContain("--dry-run");
  });

  it("takes every cell's options on run.ts as --<cell>.<option>, lists them in --help, and points a bare one there", async () => {
    const help = await run("run.ts", ["--help"]);
    expect(help.stdout).toMatch(/--train\.allow-cpu\s+train on the CPU/);
    expect(help.stdout).toMatch(/--extract\.max NUMBER\s+commits per training repository/);
    expect(help.stdout).toMatch(/--benchmark\.mode free\|structured/);

    const dry = await run("run.ts", ["--train.allow-cpu", "--extract.max", "5", "--dry-run"]);
    expect(dry.code).toBe(0);
    const bare = await run("run.ts", ["--allow-cpu"]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain("Unknown option '--allow-cpu'");
    expect(bare.stderr).toContain("Cell options take the cell's name on run.ts: --train.allow-cpu (see --help).");
    const wrong = await run("run.ts", ["--extract.max", "many"]);
    expect(wrong.stderr).toContain("--extract.max: Invalid input: expected number, received NaN");
  });

  it("rejects an unknown option with a pointer to --help", async () => {
    const result = await run("01-clone.ts", ["--no-such-flag"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Unknown option '--no-such-flag'");
    expect(result.stderr).toContain("--help");
  });
});
