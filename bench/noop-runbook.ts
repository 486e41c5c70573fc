/**
 * Prints the wall time of a no-op runbook run (every cell done) beside a bare
 * tsx start of an empty script. Target: the no-op costs at most 2× the bare start.
 *   npx tsx bench/noop-runbook.ts [runs]
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type Checkpoints, writeCheckpoints } from "../lib/core/checkpoints.js";
import { computeStatus } from "../lib/core/pipeline.js";
import { DEFAULT_CONFIG } from "../runbook/00-config.js";
import { runbook } from "../runbook/run.js";

const runs = Number(process.argv[2] ?? 10);
const repo = resolve(import.meta.dirname, "..");
const tsx = join(repo, "node_modules/.bin/tsx");
const dir = await mkdtemp(join(tmpdir(), "joco-noop-"));

// Mark every cell done with the fingerprint it would have now, one after another so upstream fingerprints chain.
const { cells } = runbook;
const checkpoints: Checkpoints = { version: 1, cells: {} };
for (const [i, cell] of cells.entries()) {
  const row = computeStatus(cells, DEFAULT_CONFIG, checkpoints)[i];
  if (row) checkpoints.cells[cell.id] = { status: "done", fingerprint: row.fingerprint, inputs: row.inputs, outputs: {}, summary: "" };
}
await writeCheckpoints(dir, checkpoints);
await writeFile(join(dir, "empty.ts"), "export {};\n");

function median(command: string, args: string[]): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    execFileSync(command, args, { cwd: dir, stdio: "pipe" });
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)] ?? Number.NaN;
}

const output = execFileSync(tsx, [join(repo, "runbook/run.ts")], { cwd: dir, encoding: "utf8" });
if (!output.includes("Nothing to run")) throw new Error(`expected a no-op run, got:\n${output}`);

const bare = median(tsx, [join(dir, "empty.ts")]);
const noop = median(tsx, [join(repo, "runbook/run.ts")]);
console.log(`runs per figure (median):   ${runs}`);
console.log(`bare tsx start (empty.ts):  ${bare.toFixed(0)} ms`);
console.log(`no-op runbook (all done):   ${noop.toFixed(0)} ms`);
console.log(`ratio:                      ${(noop / bare).toFixed(2)}× (target ≤ 2×)`);
