/**
 * 01-clone — shallow, no-checkout clones of every training repository and of
 * the benchmark source into tmp/repos/<name>, several at a time; idempotent.
 */
import { z } from "zod";
import { defineCell } from "../lib/cell.js";
import { isMain } from "../lib/cli.js";
import { NotImplementedError } from "../lib/errors.js";
import type { Config } from "./00-config.js";
import { runCellScript } from "./run.js";

const cell = defineCell({
  id: "01-clone",
  title: "Clone source repositories",
  version: 1,
  dependsOn: [],
  options: z.object({
    refresh: z.boolean().default(false).describe("fetch existing clones again"),
  }),
  reads: (config: Config) => ({ repos: config.repos, source: config.benchmark.source, clone: config.clone, dir: config.paths.repos }),
  preconditions: [],
  outputs: z.object({ repos: z.array(z.object({ name: z.string(), path: z.string(), commits: z.number() })) }),
  run: async () => {
    throw new NotImplementedError("01-clone");
  },
  summarize: (out) => `${out.repos.length} repositories`,
});

export default cell;
if (isMain(import.meta.url)) await runCellScript(cell.id);
