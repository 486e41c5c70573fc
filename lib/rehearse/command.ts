/**
 * `run.ts rehearse`: the whole pipeline, 01 to 09, in rehearsal/ with its own
 * checkpoints.json — the user's configuration, a tiny random Qwen2 trained for
 * real on the CPU, exported by llama.cpp's converter, benchmarked through the
 * embedded llama.cpp before and after. Re-running resumes like the runbook.
 */
import { mkdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { z } from "zod";
import { defineCommand } from "../core/command.js";
import { writeFileAtomic } from "../core/files.js";
import { renderTable } from "../core/ui.js";
import { createOllamaClient, ollamaHost } from "../serve/ollama.js";
import { rehearsalConfig } from "./config.js";
import { type Phase, prepareRehearsal } from "./prepare.js";

export const REHEARSAL_DIR = "rehearsal";
/** 07 needs Ollama; without it the rehearsal says so in one line and benchmarks the GGUFs directly. */
const IMPORT_CELL = "07-import";

const options = z.object({
  labeling: z.enum(["original", "claude"]).default("original").describe("03's labeler (claude needs ANTHROPIC_API_KEY and costs a few cents)"),
  backend: z.enum(["hf", "mlx"]).default("hf").describe("05's training backend (mlx: MLX, Apple silicon or its CPU build)"),
  force: z.boolean().default(false).describe("run every cell again, not only what is pending or stale"),
});

/** The cells of the runbook and its entry point, given by run.ts so that lib/ never imports runbook/. */
export interface RehearsalRunbook {
  cellIds: string[];
  run: (argv: string[]) => Promise<number>;
}

async function ollamaReachable(): Promise<boolean> {
  try {
    await (await createOllamaClient(ollamaHost(), AbortSignal.timeout(2000))).list();
    return true;
  } catch {
    return false;
  }
}

async function cellPhases(dir: string): Promise<Phase[]> {
  const text = await readFile(join(dir, "checkpoints.json"), "utf8").catch(() => "{}");
  const cells = (JSON.parse(text) as { cells?: Record<string, { status?: string; durationMs?: number }> }).cells ?? {};
  return Object.entries(cells).map(([id, record]) => ({ name: `${id} (${record.status ?? "?"})`, seconds: (record.durationMs ?? 0) / 1000, reused: false }));
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
      const models = await prepareRehearsal(dir, log, phases);
      const user = config as Parameters<typeof rehearsalConfig>[0];
      const reposDir = join(root, String((user.paths as { repos: string }).repos));
      const resolved = rehearsalConfig(user, { ...models, reposDir, labeling: opts.labeling, trainingBackend: opts.backend });
      await writeFileAtomic(join(dir, "joco.config.json"), `${JSON.stringify(resolved, null, 2)}\n`);

      const { cellIds, run } = runbook();
      const withOllama = await ollamaReachable();
      if (!withOllama) log(`${IMPORT_CELL} skipped: no Ollama at ${ollamaHost()} (the benchmark reads the GGUFs through the embedded llama.cpp).`);
      const only = cellIds.filter((id) => withOllama || id !== IMPORT_CELL).flatMap((id) => ["--only", id]);
      log(`Rehearsing in ${relative(process.cwd(), dir) || "."}/ with ${relative(dir, join(dir, "joco.config.json"))}`);
      const previous = process.cwd();
      process.chdir(dir);
      let code: number;
      try {
        code = await run([...only, ...(opts.force ? ["--force"] : [])]);
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
