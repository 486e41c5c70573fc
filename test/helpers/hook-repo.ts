/**
 * Real commits through real hooks: `git commit` run as a user runs it, with
 * an editor script instead of a person (git runs $GIT_EDITOR on the message
 * file), and the Ollama stand-in's address in OLLAMA_HOST.
 */
import { execFile } from "node:child_process";
import { chmod, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { REPO_ROOT, runTsx, tempDir } from "./process.js";

export const RUN = join(REPO_ROOT, "runbook/run.ts");

export interface GitRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** git in `dir` with the repository's own settings only (no global or system config), as the fixtures make them. */
export function gitWith(dir: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<GitRun> {
  const started = performance.now();
  return new Promise((done) => {
    execFile(
      "git",
      args,
      { cwd: dir, env: { ...process.env, HOME: dir, GIT_CONFIG_NOSYSTEM: "1", NO_COLOR: "1", ...env } },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr, ms: performance.now() - started }),
    );
  });
}

/** Editor scripts: what a user does in the editor git opens. */
export interface Editors {
  /** Keeps the message as the hook left it, and copies what it saw to `<file>.seen`. */
  keep: string;
  /** Writes its own first line ($JOCO_TEST_LINE) in place of the suggestion, keeping the rest. */
  replaceFirstLine: string;
  /** Types a message above an empty one (what a user does when no suggestion came). */
  typeMessage: string;
}

export async function writeEditors(): Promise<Editors> {
  const dir = await tempDir("joco-editors-");
  const scripts = {
    keep: 'cp "$1" "$1.seen"',
    replaceFirstLine: '{ printf "%s\\n" "$JOCO_TEST_LINE"; tail -n +2 "$1"; } > "$1.new" && mv "$1.new" "$1"',
    typeMessage: '{ echo "fix: typed by hand"; cat "$1"; } > "$1.new" && mv "$1.new" "$1"',
  };
  const paths: Record<string, string> = {};
  for (const [name, body] of Object.entries(scripts)) {
    paths[name] = join(dir, `${name}.sh`);
    await writeFile(paths[name]!, `#!/bin/sh\n${body}\n`);
    await chmod(paths[name]!, 0o755);
  }
  return paths as unknown as Editors;
}

/** `run.ts hook <action> --repo DIR [--config FILE]`, from a folder of its own (no joco.config.json is picked up). */
export async function hookCli(action: string, repo: string, config?: string) {
  return runTsx(RUN, ["hook", action, "--repo", repo, ...(config ? ["--config", config] : [])], { cwd: await tempDir() });
}

export async function writeConfig(hook: Record<string, unknown>): Promise<string> {
  const file = join(await tempDir(), "joco.test.json");
  await writeFile(file, JSON.stringify({ hook }));
  return file;
}
