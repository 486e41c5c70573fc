// The real case files of ../shared/data (beside the checkout), when present: tests that use them skip without them.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./process.js";

export const SHARED_DATA = [join(REPO_ROOT, "../shared/data"), join(REPO_ROOT, "../../shared/data")].find((dir) => existsSync(dir)) ?? null;

export interface SharedCase {
  id: string;
  diff: string;
  expectedMessage: string;
  repository: string;
  commitHash: string;
}

/** Every case of every `*.jsonl` in ../shared/data, in file-name then line order; [] when the folder is absent. */
export function sharedCases(): Array<SharedCase & { file: string }> {
  if (!SHARED_DATA) return [];
  return readdirSync(SHARED_DATA)
    .filter((name) => name.endsWith(".jsonl"))
    .sort()
    .flatMap((file) =>
      readFileSync(join(SHARED_DATA!, file), "utf8")
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => ({ ...(JSON.parse(line) as SharedCase), file })),
    );
}
