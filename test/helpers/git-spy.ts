/**
 * A `git` first on PATH that logs each invocation's arguments, then runs the
 * real git: lets a test prove which git commands ran, or that none did.
 */
import { execFileSync } from "node:child_process";
import { chmod, readFile, writeFile } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { tempDir } from "./process.js";

export interface GitSpy {
  /** One entry per git process started since the spy was installed, as its argument list joined by spaces. */
  calls: () => Promise<string[]>;
  restore: () => void;
}

export async function spyOnGit(): Promise<GitSpy> {
  const realGit = execFileSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).trim();
  const dir = await tempDir("joco-git-spy-");
  const log = join(dir, "calls.log");
  await writeFile(log, "");
  await writeFile(join(dir, "git"), `#!/bin/sh\necho "$*" >> '${log}'\nexec '${realGit}' "$@"\n`);
  await chmod(join(dir, "git"), 0o755);
  const previous = process.env.PATH;
  process.env.PATH = `${dir}${delimiter}${previous ?? ""}`;
  return {
    calls: async () => (await readFile(log, "utf8")).split("\n").filter(Boolean),
    restore: () => {
      process.env.PATH = previous;
    },
  };
}
