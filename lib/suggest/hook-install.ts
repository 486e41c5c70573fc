/**
 * `run.ts hook install|uninstall|status`: our two hooks in the folder git
 * runs hooks from (`core.hooksPath` when set). A hook that is already there
 * is kept beside ours as `<name>.joco-previous` and run after ours, with its
 * exit status deciding as before; uninstall puts it back as it was.
 */
import { chmod, lstat, readFile, rename, rm, mkdir } from "node:fs/promises";
import { basename, join } from "node:path";
import { RunbookError } from "../core/errors.js";
import { pathExists, writeFileAtomic } from "../core/files.js";
import { git, hooksDir, worktreeTop } from "./git.js";
import { HOOK_NAMES, type HookName, type HookScriptSettings, isOurHook, previousHookOf, renderHookScript } from "./hook-script.js";

export interface HookState {
  name: HookName;
  path: string;
  /** ours: joco's; foreign: someone else's (install chains to it); none: no hook. */
  state: "ours" | "foreign" | "none";
  /** A hook kept from before, that ours chains to. */
  previous: boolean;
  /** The project folder our hook calls, and whether it is still there. */
  project?: { path: string; present: boolean };
}

const exists = (path: string) => lstat(path).then(() => true, () => false);
/** A dangling link or an unreadable file is someone's hook all the same. */
const contentOf = (path: string) => readFile(path, "utf8").catch(() => "");

async function stateOf(name: HookName, dir: string): Promise<HookState> {
  const path = join(dir, name);
  const previous = await exists(previousHookOf(path));
  if (!(await exists(path))) return { name, path, state: "none", previous };
  const text = await contentOf(path);
  if (!isOurHook(text)) return { name, path, state: "foreign", previous };
  const quoted = /^joco_project='((?:[^']|'\\'')*)'$/m.exec(text)?.[1];
  const project = quoted === undefined ? undefined : quoted.replace(/'\\''/g, "'");
  return { name, path, state: "ours", previous, project: project === undefined ? undefined : { path: project, present: await pathExists(join(project, "runbook/run.ts")) } };
}

export async function hookStates(repo: string): Promise<{ dir: string; hooksPath: string | null; hooks: HookState[] }> {
  const top = await worktreeTop(repo);
  const dir = await hooksDir(top);
  const hooksPath = (await git(top, ["config", "--get", "core.hooksPath"]).catch(() => "")).trim() || null;
  return { dir, hooksPath, hooks: await Promise.all(HOOK_NAMES.map((name) => stateOf(name, dir))) };
}

/** Installs (or refreshes) both hooks; returns one line per hook saying what was done. */
export async function installHooks(repo: string, settings: HookScriptSettings): Promise<string[]> {
  const { dir, hooks } = await hookStates(repo);
  await mkdir(dir, { recursive: true });
  const done: string[] = [];
  for (const hook of hooks) {
    const previous = previousHookOf(hook.path);
    if (hook.state === "foreign") {
      if (hook.previous) {
        throw new RunbookError(`${hook.path} and ${previous} both exist, and neither is joco's`, `Move one of them away, then install again.`);
      }
      await rename(hook.path, previous);
    }
    await writeFileAtomic(hook.path, renderHookScript(hook.name, settings));
    await chmod(hook.path, 0o755);
    const chained = hook.state === "foreign" || hook.previous ? `; the hook that was there runs after it (kept as ${basename(previous)})` : "";
    done.push(`${hook.name}: ${hook.state === "ours" ? "refreshed" : "installed"} in ${dir}${chained}`);
  }
  return done;
}

/** Removes our hooks and puts back what was there; someone else's hook is left alone. */
export async function uninstallHooks(repo: string): Promise<string[]> {
  const { dir, hooks } = await hookStates(repo);
  const done: string[] = [];
  for (const hook of hooks) {
    if (hook.state === "foreign") {
      done.push(`${hook.name}: not joco's, left alone (${hook.path})`);
      continue;
    }
    if (hook.state === "ours") await rm(hook.path);
    if (hook.previous) await rename(previousHookOf(hook.path), hook.path);
    done.push(`${hook.name}: ${hook.state === "ours" ? "removed" : "was not installed"}${hook.previous ? "; the hook that was there before is back" : ""} (${dir})`);
  }
  return done;
}

export function describeHookState(hook: HookState): string {
  const chained = hook.previous ? `, then the hook kept as ${basename(previousHookOf(hook.path))}` : "";
  if (hook.state === "none") return `${hook.name}: not installed${chained}`;
  if (hook.state === "foreign") return `${hook.name}: another hook is there (install keeps it and runs it after joco's)`;
  const project = hook.project
    ? hook.project.present
      ? `calls ${hook.project.path}`
      : `calls ${hook.project.path}, which has moved or gone: commits go on without suggestions until you install again`
    : "calls an unknown folder";
  return `${hook.name}: installed, ${project}${chained}`;
}
