/**
 * 03-label — Label diffs (Claude or original messages)
 */
import { z } from "zod";
import { defineCell } from "../lib/cell.js";
import { isMain } from "../lib/cli.js";
import { NotImplementedError } from "../lib/errors.js";
import type { Config } from "./00-config.js";
import { runCellScript } from "./run.js";

const cell = defineCell({
  id: "03-label",
  title: "Label diffs (Claude or original messages)",
  version: 1,
  dependsOn: ["02-extract"],
  options: z.object({
    backend: z.enum(["auto", "claude", "original"]).optional().describe("overrides labeling.backend"),
    batch: z.boolean().default(false).describe("use the Message Batches API (half price, asynchronous)"),
  }),
  reads: (config: Config) => ({ labeling: config.labeling, types: config.conventional.types }),
  preconditions: [
    {
      name: "ANTHROPIC_API_KEY for the claude backend",
      check: ({ config, options }) =>
        (options.backend ?? config.labeling.backend) !== "claude" || Boolean(process.env.ANTHROPIC_API_KEY) || "labeling.backend is claude but ANTHROPIC_API_KEY is not set",
      hint: "export ANTHROPIC_API_KEY=…, or use --backend original.",
    },
  ],
  outputs: z.object({ labeled: z.number(), failed: z.number() }),
  run: async () => {
    throw new NotImplementedError("03-label");
  },
  summarize: (out) => `${out.labeled} labeled`,
});

export default cell;
if (isMain(import.meta.url)) await runCellScript(cell.id);
