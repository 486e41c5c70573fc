import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT, runTsx, tempDir } from "../helpers/process.js";

const CELLS = ["01-clone", "02-extract", "03-label", "04-curate", "05-train", "06-export", "07-import", "08-benchmark", "09-log"];
const run = async (script: string, args: string[]) => runTsx(join(REPO_ROOT, "runbook", script), args, { cwd: await tempDir() });

describe("the runbook's command line", () => {
  it("lists cells 01–09 with titles and states", async () => {
    const result = await run("run.ts", ["status"]);
    expect(result.code).toBe(0);
    for (const id of CELLS) expect(result.stdout).toMatch(new RegExp(`${id}\\s+│\\s+\\S.*│\\s+pending`));
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

  it("rejects an unknown option with a pointer to --help", async () => {
    const result = await run("01-clone.ts", ["--no-such-flag"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Unknown option '--no-such-flag'");
    expect(result.stderr).toContain("--help");
  });
});
