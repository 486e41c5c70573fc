import { readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CheckpointsSchema } from "../../lib/core/checkpoints.js";
import { REPO_ROOT, runTsx, startTsx, tempDir, waitForOutput } from "../helpers/process.js";

const TOY = join(REPO_ROOT, "test/fixtures/toy-runbook.ts");
const toy = (cwd: string, args: string[], env: NodeJS.ProcessEnv = {}) => runTsx(TOY, args, { cwd, env });
const checkpointsOf = async (dir: string) => CheckpointsSchema.parse(JSON.parse(await readFile(join(dir, "checkpoints.json"), "utf8")));
const statusLine = (stdout: string, id: string) => stdout.split("\n").find((line) => line.includes(id)) ?? "";

describe("runbook with real processes", () => {
  it("runs every cell once, then skips the done ones", async () => {
    const dir = await tempDir();
    const first = await toy(dir, []);
    expect(first.code).toBe(0);
    const fingerprints = Object.values((await checkpointsOf(dir)).cells).map((c) => c.fingerprint);
    expect(fingerprints).toHaveLength(3);

    const second = await toy(dir, []);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("01-count Count words: done, skipped");
    expect(second.stdout).toContain("Nothing to run");
    expect(Object.values((await checkpointsOf(dir)).cells).map((c) => c.fingerprint)).toEqual(fingerprints);
  });

  it("marks a cell and everything downstream stale when a config value it reads changes", async () => {
    const dir = await tempDir();
    expect((await toy(dir, [])).code).toBe(0);
    await writeFile(join(dir, "joco.config.json"), JSON.stringify({ shout: { suffix: "?" } }));

    const status = await toy(dir, ["status"]);
    expect(statusLine(status.stdout, "01-count")).toContain("done");
    expect(statusLine(status.stdout, "02-shout")).toMatch(/stale.*config suffix "!" → "\?"/);
    expect(statusLine(status.stdout, "03-report")).toMatch(/stale.*upstream 02-shout is stale/);

    const dry = await toy(dir, ["--dry-run"]);
    expect(statusLine(dry.stdout, "01-count")).toContain("skip");
    expect(statusLine(dry.stdout, "02-shout")).toContain("run");
    const run = await toy(dir, []);
    expect(run.code).toBe(0);
    expect(await readFile(join(dir, "out/report.txt"), "utf8")).toContain("WORD0?");
    expect((await toy(dir, ["status"])).stdout).not.toContain("stale");
  });

  it("leaves checkpoints.json valid after kill -9 and re-runs the killed cell", async () => {
    const dir = await tempDir();
    const run = startTsx(TOY, [], { cwd: dir, env: { TOY_SLEEP_MS: "60000" } });
    await waitForOutput(run.output, "sleeping");
    run.child.kill("SIGKILL");
    await run.result;

    const killed = await checkpointsOf(dir);
    expect(killed.cells["01-count"]?.status).toBe("done");
    expect(killed.cells["02-shout"]?.status).toBe("running");
    const status = await toy(dir, ["status"]);
    expect(statusLine(status.stdout, "02-shout")).toMatch(/interrupted.*died while running/);

    const rerun = await toy(dir, []);
    expect(rerun.stderr).toBe("");
    expect(rerun.stdout).toContain("took over a lock left by pid");
    expect(rerun.code).toBe(0);
    expect((await checkpointsOf(dir)).cells["03-report"]?.status).toBe("done");
  });

  it("refuses a second runbook process on the same folder", async () => {
    const dir = await tempDir();
    const first = startTsx(TOY, [], { cwd: dir, env: { TOY_SLEEP_MS: "60000" } });
    await waitForOutput(first.output, "sleeping");
    const second = await toy(dir, []);
    first.child.kill("SIGKILL");
    await first.result;
    expect(second.code).not.toBe(0);
    expect(second.stderr).toMatch(/Another runbook process is working in this folder \(pid \d+/);
  });

  it("marks a cell interrupted on Ctrl-C and resumes it on the next run", async () => {
    const dir = await tempDir();
    const run = startTsx(TOY, [], { cwd: dir, env: { TOY_SLEEP_MS: "60000" } });
    await waitForOutput(run.output, "sleeping");
    run.child.kill("SIGINT");
    const result = await run.result;
    expect(result.code).toBe(130);
    const record = (await checkpointsOf(dir)).cells["02-shout"];
    expect(record?.status).toBe("interrupted");
    expect(record?.hint).toMatch(/resume/);
    expect((await toy(dir, [])).code).toBe(0);
  });

  it("records a failure with its hint, stops there, and says how to resume", async () => {
    const dir = await tempDir();
    const result = await toy(dir, [], { TOY_FAIL: "02-shout" });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("02-shout failed on purpose");
    expect(result.stdout).toContain("Resume with");
    const cells = (await checkpointsOf(dir)).cells;
    expect(cells["02-shout"]).toMatchObject({ status: "failed", hint: "Unset TOY_FAIL and re-run." });
    expect(cells["03-report"]).toBeUndefined();
  });

  it("reports every failed precondition with its hint and never runs the cell", async () => {
    const dir = await tempDir();
    const result = await toy(dir, ["cell", "02-shout"], { TOY_BLOCK: "1" });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("01-count done (it is pending)");
    expect(result.stderr).toContain("Run `npx tsx runbook/01-count.ts` first.");
    expect((await readdir(dir)).includes("out")).toBe(false);
  });

  it("stops on a corrupt checkpoints.json, names the problem and keeps a backup", async () => {
    const dir = await tempDir();
    const broken = '{ "version": 1, "cells": { "01-count": { "status": "finished" } } }';
    await writeFile(join(dir, "checkpoints.json"), broken);
    const result = await toy(dir, []);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`${join(dir, "checkpoints.json")} is corrupt: cells.01-count.status`);
    const backups = (await readdir(dir)).filter((f) => f.startsWith("checkpoints.json.corrupt-"));
    expect(backups).toHaveLength(1);
    expect(await readFile(join(dir, backups[0] ?? ""), "utf8")).toBe(broken);
    expect(await readFile(join(dir, "checkpoints.json"), "utf8")).toBe(broken);

    await writeFile(join(dir, "checkpoints.json"), "{ not json");
    expect((await toy(dir, ["status"])).stderr).toMatch(/is corrupt: not valid JSON/);
  });

  it("names the key path of every bad --config value and exits non-zero", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "bad.json"), JSON.stringify({ count: { words: "three", letters: 1 }, extra: true }));
    const result = await toy(dir, ["--config", "bad.json"]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("count.words: expected number, received string");
    expect(result.stderr).toContain("count.letters: unknown key");
    expect(result.stderr).toContain("extra: unknown key");
    expect((await readdir(dir)).includes("checkpoints.json")).toBe(false);
  });

  it("passes a cell's options from run.ts, namespaced by the cell", async () => {
    const dir = await tempDir();
    expect((await toy(dir, ["--shout.times", "2"])).code).toBe(0);
    expect((await readFile(join(dir, "out/shout.txt"), "utf8")).split("\n")).toHaveLength(6);
  });

  it("passes a cell's own options and runs --from one cell up to it", async () => {
    const dir = await tempDir();
    const result = await toy(dir, ["cell", "02-shout", "--from", "01", "--times", "2"]);
    expect(result.code).toBe(0);
    expect((await readFile(join(dir, "out/shout.txt"), "utf8")).split("\n")).toHaveLength(6);
    expect((await checkpointsOf(dir)).cells["03-report"]).toBeUndefined();
  });
});
