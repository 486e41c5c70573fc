/**
 * git in the user's repository, as a hook sees it. Unlike lib/extract/git.ts
 * (clones we own, where a stray GIT_INDEX_FILE must not leak in), the
 * environment is kept: in a hook git sets GIT_INDEX_FILE to the index being
 * committed (a temporary one for `git commit -a` or `git commit FILE`), and
 * that is the diff to describe.
 */
import { execFile } from "node:child_process";
import { isAbsolute, resolve } from "node:path";
import { CommandError, RunbookError } from "../core/errors.js";

/** Output must not depend on the user's configuration (colour, path quoting), as in extraction. */
const BASE_ARGS = ["-c", "core.quotePath=false", "-c", "color.ui=false"];

/**
 * git hands a hook these paths relative to the worktree top, where the hook
 * starts; the hook then runs us from the project folder, so they are resolved
 * against the repository given.
 */
const PATH_VARIABLES = ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR"];

function gitEnv(repo: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: "0", LC_ALL: "C" };
  for (const name of PATH_VARIABLES) {
    const value = env[name];
    if (value && !isAbsolute(value)) env[name] = resolve(repo, value);
  }
  return env;
}

export function git(repo: string, args: string[], options: { signal?: AbortSignal } = {}): Promise<string> {
  return new Promise((done, fail) => {
    execFile(
      "git",
      [...BASE_ARGS, ...args],
      { cwd: repo, env: gitEnv(repo), maxBuffer: 64 * 1024 * 1024, signal: options.signal },
      (error, stdout, stderr) => {
        if (!error) return done(stdout);
        const code = typeof error.code === "number" ? error.code : null;
        fail(new CommandError(`git ${args.join(" ")}`, code, String(stderr || error.message)));
      },
    );
  });
}

/** The worktree top of `repo`, or a clear error when it is not inside a git worktree. */
export async function worktreeTop(repo: string): Promise<string> {
  try {
    return (await git(repo, ["rev-parse", "--show-toplevel"])).trim();
  } catch {
    throw new RunbookError(`${repo} is not inside a git worktree`, "Pass --repo DIR with a git repository (default: the current folder).");
  }
}

/** The repository's git dir (a linked worktree's own one), absolute: where the usage log lives. */
export async function gitDir(repo: string): Promise<string> {
  return (await git(repo, ["rev-parse", "--absolute-git-dir"])).trim();
}

/** The folder git runs hooks from: `core.hooksPath` when set, else `<git dir>/hooks` (shared by linked worktrees). */
export async function hooksDir(repo: string): Promise<string> {
  return resolve(repo, (await git(repo, ["rev-parse", "--git-path", "hooks"])).trim());
}

/** HEAD's commit, or the empty tree before the first commit: what the staged diff is taken against. */
async function baseOf(repo: string, rev: string): Promise<string> {
  const found = (await git(repo, ["rev-parse", "--verify", "--quiet", `${rev}^{commit}`]).catch(() => "")).trim();
  return found || (await git(repo, ["hash-object", "-t", "tree", "/dev/null"])).trim();
}

/** Plumbing, so porcelain settings (diff.noprefix, diff.context, diff.algorithm) cannot change the patch, as with diff-tree in 02. */
const PATCH_ARGS = ["-r", "-M", "--no-color", "--no-ext-diff", "--patch"];

/** The staged changes as a patch from the first `diff --git` (no stat block), exactly as 02 reads a commit's. */
export async function stagedPatch(repo: string): Promise<{ patch: string; base: string }> {
  const base = await baseOf(repo, "HEAD");
  return { patch: await git(repo, ["diff-index", "--cached", ...PATCH_ARGS, base]), base };
}

/** The same patch for a commit made: what was staged when it was suggested for. */
export async function commitPatch(repo: string, rev = "HEAD"): Promise<string> {
  return git(repo, ["diff-tree", ...PATCH_ARGS, await baseOf(repo, `${rev}^`), rev]);
}

/** Old and new blob ids of the staged files, by path (only needed for binary files: their stat line shows sizes). */
export async function stagedBlobs(repo: string, base: string): Promise<Map<string, { oldBlob: string; newBlob: string }>> {
  const raw = await git(repo, ["diff-index", "--cached", "-r", "-M", "--raw", "--no-abbrev", "-z", base]);
  const blobs = new Map<string, { oldBlob: string; newBlob: string }>();
  const fields = raw.split("\0");
  for (let i = 0; i < fields.length - 1; ) {
    const [, , oldBlob = "", newBlob = "", status = ""] = fields[i]!.slice(1).split(" ");
    const pathCount = /^[RC]/.test(status) ? 2 : 1;
    blobs.set(fields[i + pathCount]!, { oldBlob, newBlob });
    i += 1 + pathCount;
  }
  return blobs;
}

export async function committedMessage(repo: string, rev = "HEAD"): Promise<string> {
  return (await git(repo, ["log", "-1", "--format=%B", rev])).trimEnd();
}
