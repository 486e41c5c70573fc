/**
 * `run.ts rehearse`: the whole pipeline, 01 to 09, in rehearsal/ with its own
 * checkpoints.json — the user's configuration, a tiny random Qwen2 trained for
 * real on the CPU, exported by llama.cpp's converter, benchmarked through the
 * embedded llama.cpp before and after. Re-running resumes like the runbook.
 */
import { mkdir } from "node:fs/promises";
import { join, relative } from "node:path";
import { z } from "zod";
import { readCheckpoints } from "../core/checkpoints.js";
import { defineCommand } from "../core/command.js";
import { writeFileAtomic } from "../core/files.js";
import { renderTable } from "../core/ui.js";
import { rehearsalConfig } from "./config.js";
import { type Phase, prepareRehearsal } from "./prepare.js";

export const REHEARSAL_DIR = "rehearsal";

const options = z.object({
  labeling: z.enum(["original", "claude"]).default("original").describe("03's labeler (claude needs ANTHROPIC_API_KEY and costs a few cents)"),
  backend: z.enum(["hf", "mlx"]).default("hf").describe("05's training backend (mlx: MLX, Apple silicon or its CPU build)"),
  force: z.boolean().default(false).describe("run every cell again, not only what is pending or stale"),
});

/** The cells of the runbook and its entry point, given by run.ts so that lib/ never imports runbook/. */
export interface RehearsalRunbook {
  run: (argv: string[]) => Promise<number>;
}

async function cellPhases(dir: string): Promise<Phase[]> {
  const { cells } = await readCheckpoints(dir);
  return Object.entries(cells).map(([id, record]) => ({ name: `${id} (${record.status})`, seconds: (record.durationMs ?? 0) / 1000, reused: false }));
}

export const createRehearseCommand = (runbook: () => RehearsalRunbook) =>
  defineCommand({
    description: "dress rehearsal: 01–09 on a tiny random Qwen2 on the CPU, in rehearsal/, before GPU hours and API money",
    usage: "rehearse [options]",
    options,
    run: async ({ config, root, options: opts, log }) => {
      const dir = join(root, REHEARSAL_DIR);
      // A model this small gains nothing from a second thread, and spinning threads lose badly on a busy machine.
      process.env.OMP_NUM_THREADS ??= "1";
      process.env.JOCO_LLAMA_THREADS ??= "1";
      await mkdir(dir, { recursive: true });
      const phases: Phase[] = [];
      const models = await prepareRehearsal(dir, log, phases, opts.backend === "mlx");
      const user = config as Parameters<typeof rehearsalConfig>[0];
      const reposDir = join(root, String((user.paths as { repos: string }).repos));
      const resolved = rehearsalConfig(user, { ...models, reposDir, labeling: opts.labeling, trainingBackend: opts.backend });
      await writeFileAtomic(join(dir, "joco.config.json"), `${JSON.stringify(resolved, null, 2)}\n`);

      // 07 imports joco-rehearsal when Ollama answers; without it, it smoke-tests the GGUF through the embedded llama.cpp (ollama.required false).
      const { run } = runbook();
      log(`Rehearsing in ${relative(process.cwd(), dir) || "."}/ with ${relative(dir, join(dir, "joco.config.json"))}`);
      const previous = process.cwd();
      process.chdir(dir);
      let code: number;
      try {
        code = await run(opts.force ? ["--force"] : []);
      } finally {
        process.chdir(previous);
      }
      const all = [...phases, ...(await cellPhases(dir))];
      const rows = all.map((p) => [p.name, p.reused ? "kept" : `${p.seconds.toFixed(1)} s`]);
      rows.push(["total", `${all.reduce((sum, p) => sum + (p.reused ? 0 : p.seconds), 0).toFixed(1)} s`]);
      log(renderTable(["phase", "time"], rows));
      return code;
    },
  });
