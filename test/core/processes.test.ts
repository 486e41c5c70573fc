// What killed runs must not leave behind: a worker running on after kill -9 of
// the tsx CLI above it, and the temp files of writes that never finished.
import { spawn } from "node:child_process";
import { execFileSync } from "node:child_process";
import { readFile, readdir, writeFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CheckpointsSchema } from "../../lib/core/checkpoints.js";
import { REPO_ROOT, TSX, runTsx, tempDir, waitForOutput } from "../helpers/process.js";

const TOY = join(REPO_ROOT, "test/fixtures/toy-runbook.ts");
const checkpointsOf = async (dir: string) => CheckpointsSchema.parse(JSON.parse(await readFile(join(dir, "checkpoints.json"), "utf8")));

/** Running, as `ps` sees it: a zombie nobody has reaped yet has already stopped. */
function isRunning(pid: number): boolean {
  try {
    return !execFileSync("ps", ["-o", "stat=", "-p", String(pid)], { encoding: "utf8" }).trim().startsWith("Z");
  } catch {
    return false;
  }
}

async function until(condition: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("killed runs", () => {
  it("leave no worker alive after kill -9 of the tsx CLI, and the cell interrupted", async () => {
    const dir = await tempDir();
    // The tsx CLI, as `npx tsx` and `npm run runbook` start it: it runs the script in a child node process.
    const cli = spawn(TSX, [TOY], { cwd: dir, env: { ...process.env, TOY_SLEEP_MS: "60000", NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    cli.stdout.on("data", (chunk) => (output += chunk));
    cli.stderr.on("data", (chunk) => (output += chunk));
    await waitForOutput(() => output, "sleeping");
    const worker = (await checkpointsOf(dir)).cells["02-shout"]?.pid;
    expect(worker).toBeDefined();
    expect(worker).not.toBe(cli.pid);
    expect(isRunning(worker!)).toBe(true);

    cli.kill("SIGKILL");
    await until(() => !isRunning(worker!), `worker ${worker} to stop`);
    expect(output).toContain(`The runbook's parent process (pid ${cli.pid}) is gone.`);
    expect((await checkpointsOf(dir)).cells["02-shout"]?.status).toBe("interrupted");
    expect(await readdir(dir)).not.toContain(".joco.lock");
  });

  it("have their temp files removed at the next start, and a live writer's kept", async () => {
    const dir = await tempDir();
    await mkdir(join(dir, "dataset/raw"), { recursive: true });
    const dead = join(dir, "dataset/raw/app.jsonl.tmp-999999-0a1b2c3d");
    const live = join(dir, "dataset/raw/app.jsonl.tmp-1-0a1b2c3d");
    await writeFile(dead, "half a line");
    await writeFile(live, "pid 1 always runs");
    await writeFile(join(dir, "notes.tmp-old.txt"), "not ours");
    const run = await runTsx(TOY, [], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("(removed 1 temp file(s) left by killed runs: dataset/raw/app.jsonl.tmp-999999-0a1b2c3d)");
    expect(await readdir(join(dir, "dataset/raw"))).toEqual(["app.jsonl.tmp-1-0a1b2c3d"]);
    expect(await readdir(dir)).toContain("notes.tmp-old.txt");
  });
});
