/**
 * 08-benchmark — Benchmark before/after
 */
import { z } from "zod";
import { defineCell } from "../lib/cell.js";
import { isMain } from "../lib/cli.js";
import { NotImplementedError } from "../lib/errors.js";
import type { Config } from "./00-config.js";
import { runCellScript } from "./run.js";

const cell = defineCell({
  id: "08-benchmark",
  title: "Benchmark before/after",
  version: 1,
  dependsOn: ["02-extract", "07-import"],
  requires: [],
  options: z.object({
    max: z.int().positive().optional().describe("cases per model (default benchmark.maxCases)"),
    cases: z.string().optional().describe("a case-format JSONL file instead of benchmark/cases"),
    model: z.string().optional().describe("benchmark only this model"),
    mode: z.enum(["free", "structured"]).optional().describe("generation mode (default benchmark.mode)"),
    concurrency: z.int().positive().optional().describe("parallel generations (default benchmark.concurrency)"),
  }),
  reads: (config: Config) => ({ benchmark: config.benchmark, ollama: config.ollama, types: config.conventional.types }),
  preconditions: [],
  outputs: z.object({ runs: z.array(z.string()) }),
  run: async () => {
    throw new NotImplementedError("08-benchmark");
  },
  summarize: (out) => `runs ${out.runs.join(", ")}`,
});

export default cell;
if (isMain(import.meta.url)) await runCellScript(cell.id);
