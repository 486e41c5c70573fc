// What a user sees: tables that fit the terminal (80 columns here, 100
// without one), one line per error in the tables, an ETA that is a time, and
// no "Next:" pointing at a cell that is running.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { writeCheckpoints } from "../../lib/core/checkpoints.js";
import { headline } from "../../lib/core/errors.js";
import { fitColumns, formatEta, renderTable, visibleWidth } from "../../lib/core/ui.js";
import { REPO_ROOT, TSX_LOADER_URL, runTsx, tempDir } from "../helpers/process.js";

const RUNBOOK = join(REPO_ROOT, "runbook/run.ts");
const longest = (output: string) => Math.max(...output.split("\n").map(visibleWidth));
const lineOf = (stdout: string, id: string) => stdout.split("\n").find((line) => line.includes(id)) ?? "";
const hasScript = (() => {
  try {
    execFileSync("script", ["--version"], { stdio: "ignore" });
    return process.platform === "linux";
  } catch {
    return false;
  }
})();

/** A project whose checkpoints.json has the long rows a real run leaves: a multi-line failure, a long summary, a running cell. */
async function busyProject(runningPid?: number): Promise<string> {
  const dir = await tempDir();
  const failures = Array.from({ length: 9 }, (_, i) => `  repo${i}: fatal: repository 'https://github.com/example/repo${i}.git/' not found`);
  await writeCheckpoints(dir, {
    version: 1,
    cells: {
      "01-clone": {
        status: "failed",
        endedAt: "2026-01-01T10:00:00.000Z",
        durationMs: 8123,
        error: `9 of 9 repositories failed:\n${failures.join("\n")}`,
        hint: "Fix the URLs or the network, then re-run: only the failed repositories are tried again.",
      },
      ...(runningPid ? { "02-extract": { status: "running" as const, pid: runningPid, startedAt: "2026-01-01T10:01:00.000Z" } } : {}),
    },
  });
  return dir;
}

const savedColumns = process.env.COLUMNS;
afterEach(() => {
  process.env.COLUMNS = savedColumns;
});

describe("tables on the screen", () => {
  it("narrow the widest columns to fit, and wrap long cells and long words inside their column", () => {
    // The columns before the last give way first, down to their longest word; then the last.
    expect(fitColumns([10, 50, 70], 80, 64, [8, 12, 30])).toEqual([10, 14, 52]);
    expect(fitColumns([10, 50, 70], 60, 64, [8, 12, 30])).toEqual([10, 14, 32]);
    expect(fitColumns([10, 20, 30], 80, 64)).toEqual([10, 20, 30]);
    process.env.COLUMNS = "60";
    const path = `/a/very/long/path/${"segment/".repeat(12)}file.jsonl`;
    const table = renderTable(["file", "what"], [[path, "a sentence that is much too long for its column and so has to wrap over several lines"]]);
    expect(longest(table)).toBeLessThanOrEqual(60);
    expect(table.replace(/[│\s]/g, "")).toContain("segment/segment/");
    expect(table).not.toContain("…");
  });

  it("keep status and doctor within 80 columns, with each error on one line", async () => {
    const dir = await busyProject();
    const env = { COLUMNS: "80" };
    const status = await runTsx(RUNBOOK, ["status"], { cwd: dir, env });
    expect(status.code).toBe(0);
    expect(longest(status.stdout)).toBeLessThanOrEqual(80);
    expect(status.stdout).toContain("9 of 9 repositories failed: repo0:");
    expect(status.stdout).toContain("… 6 more");
    const doctor = await runTsx(RUNBOOK, ["doctor"], { cwd: dir, env: { ...env, OLLAMA_HOST: "http://127.0.0.1:9", JOCO_PYTHON: "/no/such/python" } });
    expect(doctor.stdout).toContain("how to fix");
    expect(longest(doctor.stdout)).toBeLessThanOrEqual(80);
    const plain = await runTsx(RUNBOOK, ["status"], { cwd: dir, env: { COLUMNS: "" } });
    expect(longest(plain.stdout)).toBeLessThanOrEqual(100);
    expect(longest(plain.stdout)).toBeGreaterThan(80);
  });

  it.runIf(hasScript)("fit a real 80-column terminal (a pty made by script)", async () => {
    const dir = await busyProject();
    const command = `stty cols 80; ${process.execPath} --import ${TSX_LOADER_URL} ${RUNBOOK} status`;
    const output = execFileSync("script", ["-qec", command, "/dev/null"], { cwd: dir, encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "", COLUMNS: "" } });
    expect(output).toContain("01-clone");
    expect(longest(output.replace(/\r/g, ""))).toBeLessThanOrEqual(80);
  });

  it("--dry-run shows an error's headline, not every line of it", async () => {
    const dir = await busyProject();
    const dry = await runTsx(RUNBOOK, ["--dry-run"], { cwd: dir });
    expect(lineOf(dry.stdout, "01-clone")).toContain("failed: 9 of 9 repositories failed: repo0: fatal:");
    expect(dry.stdout).not.toMatch(/│\s+repo8: fatal/);
  });

  it("status says which cell is running instead of pointing at it as Next", async () => {
    const dir = await busyProject(process.pid);
    const status = await runTsx(RUNBOOK, ["status"], { cwd: dir });
    expect(status.stdout).toContain(`02-extract is running (pid ${process.pid}): run status again to follow it.`);
    expect(status.stdout).not.toContain("Next:");
  });
});

describe("one-line messages", () => {
  it("keep a list that the first line announces, and an ETA that cli-progress could not compute reads as unknown", () => {
    expect(headline("3 of 3 repositories failed:\n  a: gone\n  b: gone")).toBe("3 of 3 repositories failed: a: gone; b: gone");
    expect(headline("Training failed: out of memory\n  at line 3")).toBe("Training failed: out of memory");
    expect([formatEta("NULL"), formatEta("INF"), formatEta(0.2), formatEta(65)]).toEqual(["…", "…", "0s", "1m05s"]);
  });
});
