/**
 * git as a child process: argument lists only (never a shell string), git's
 * own stderr kept for the report, and long outputs streamed instead of buffered.
 */
import { type ChildProcessWithoutNullStreams, execFile, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { isAbsolute, relative, resolve } from "node:path";
import { CommandError, InterruptedError, RunbookError } from "../core/errors.js";

/** Plumbing output must not depend on the user's git configuration (colour, pager, quoting of paths). */
const BASE_ARGS = ["-c", "core.quotePath=false", "-c", "color.ui=false"];
/** Read at each call (PATH may change); git variables that would point it at another repository are dropped. */
function gitEnv(): NodeJS.ProcessEnv {
  const { GIT_DIR: _dir, GIT_WORK_TREE: _tree, GIT_INDEX_FILE: _index, ...env } = process.env;
  return { ...env, GIT_TERMINAL_PROMPT: "0", LC_ALL: "C" };
}

/** Runs git to completion; output is small (ids, counts, config values). Fails with git's stderr. */
export function runGit(args: string[], options: { cwd?: string; signal?: AbortSignal } = {}): Promise<string> {
  return new Promise((done, fail) => {
    execFile(
      "git",
      [...BASE_ARGS, ...args],
      { cwd: options.cwd, env: gitEnv(), maxBuffer: 64 * 1024 * 1024, signal: options.signal },
      (error, stdout, stderr) => {
        if (!error) return done(stdout);
        if (options.signal?.aborted) return fail(interrupted(options.signal));
        const code = typeof error.code === "number" ? error.code : null;
        fail(new CommandError(`git ${args.join(" ")}`, code, String(stderr || error.message)));
      },
    );
  });
}

export interface GitStream {
  stdout: ChildProcessWithoutNullStreams["stdout"];
  /** Resolves when git exits; rejects with git's stderr unless `stop()` ended it. */
  exited: Promise<void>;
  /** Ends git early (the consumer has what it needs); its exit is then not an error. */
  stop: () => void;
}

/** Starts git with its stdout as a stream, for outputs too large to buffer (log, patches). */
export function streamGit(args: string[], options: { cwd: string; input?: string; signal?: AbortSignal }): GitStream {
  const child = spawn("git", [...BASE_ARGS, ...args], { cwd: options.cwd, env: gitEnv(), signal: options.signal });
  let stderr = "";
  let stopped = false;
  child.stderr.on("data", (chunk: Buffer) => {
    if (stderr.length < 64 * 1024) stderr += chunk.toString("utf8");
  });
  // A consumer that stops early closes the pipe: EPIPE on stdin is expected then.
  child.stdin.on("error", () => {});
  child.stdin.end(options.input ?? "");
  const exited = new Promise<void>((done, fail) => {
    child.on("error", (error) => (stopped ? done() : fail(options.signal?.aborted ? interrupted(options.signal) : error)));
    child.on("close", (code, signal) => {
      if (code === 0 || stopped) return done();
      if (options.signal?.aborted) return fail(interrupted(options.signal));
      fail(new CommandError(`git ${args.join(" ")}`, code, stderr || `killed by ${signal}`));
    });
  });
  // The consumer awaits it after reading stdout; until then a rejection is not "unhandled".
  exited.catch(() => {});
  return {
    stdout: child.stdout,
    exited,
    stop: () => {
      stopped = true;
      child.kill();
    },
  };
}

/** Credentials in a URL (`https://user:token@host/…`) never reach a log line. */
export const redactUrls = (text: string) => text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, "$1***@");

const interrupted = (signal: AbortSignal) => new InterruptedError(String(signal.reason ?? "SIGINT"));

/**
 * Checks a repository entry before any git process runs or any folder is
 * made: a name that would leave the clones folder, or a URL git would read as
 * an option (`--upload-pack=…`), is refused here.
 */
export function cloneTarget(reposDir: string, repo: { name: string; url: string }): string {
  if (!/^[A-Za-z0-9._-]+$/.test(repo.name) || repo.name === "." || repo.name === "..") {
    throw new RunbookError(
      `Repository name "${repo.name}" is not allowed: use letters, digits, '.', '_' and '-' only.`,
      "Rename the repository in the configuration (repos[].name or benchmark.source.name).",
    );
  }
  if (repo.url.trim() === "" || repo.url.startsWith("-")) {
    throw new RunbookError(
      `Repository URL "${repo.url}" of ${repo.name} is not allowed: it is empty or starts with '-', which git would read as an option.`,
      "Give the repository's clone URL (https://…, git@…, file://…).",
    );
  }
  const base = resolve(reposDir);
  const target = resolve(base, repo.name);
  const rel = relative(base, target);
  if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) {
    throw new RunbookError(`Repository name "${repo.name}" leaves ${reposDir}.`, "Use a plain folder name.");
  }
  return target;
}

/** Marker in the clone's own git config: the depth it was cloned with, so a re-run knows whether it has enough history. */
const DEPTH_KEY = "joco.depth";

export async function cloneRepository(url: string, dir: string, depth: number, signal?: AbortSignal): Promise<void> {
  // `--` ends the options: whatever the URL says, git reads it as a repository.
  await runGit(["clone", "--quiet", `--depth=${depth}`, "--no-checkout", "--single-branch", "--", url, dir], { signal });
  await runGit(["config", DEPTH_KEY, String(depth)], { cwd: dir });
}

/** Fetches the branch again to `depth` commits and moves HEAD to it. */
export async function fetchRepository(dir: string, depth: number, signal?: AbortSignal): Promise<void> {
  await runGit(["fetch", "--quiet", `--depth=${depth}`, "origin"], { cwd: dir, signal });
  const fetched = (await runGit(["rev-parse", "--verify", "FETCH_HEAD^{commit}"], { cwd: dir })).trim();
  await runGit(["update-ref", "HEAD", fetched], { cwd: dir });
  await runGit(["config", DEPTH_KEY, String(depth)], { cwd: dir });
}

export interface CloneInfo {
  url: string;
  /** The depth recorded at clone time; undefined for a full (non-shallow) clone or one made by hand. */
  depth: number | undefined;
  shallow: boolean;
  head: string;
  commits: number;
}

/** What an existing folder holds, or undefined when it is not a usable clone. */
export async function inspectClone(dir: string): Promise<CloneInfo | undefined> {
  try {
    const url = (await runGit(["config", "--get", "remote.origin.url"], { cwd: dir })).trim();
    const head = (await runGit(["rev-parse", "--verify", "HEAD^{commit}"], { cwd: dir })).trim();
    const shallow = (await runGit(["rev-parse", "--is-shallow-repository"], { cwd: dir })).trim() === "true";
    const depthText = (await runGit(["config", "--get", DEPTH_KEY], { cwd: dir }).catch(() => "")).trim();
    const commits = await countCommits(dir);
    return { url, head, shallow, depth: depthText ? Number(depthText) : undefined, commits };
  } catch {
    return undefined;
  }
}

export async function countCommits(dir: string): Promise<number> {
  return Number((await runGit(["rev-list", "--count", "--first-parent", "HEAD"], { cwd: dir })).trim());
}

/** Commits whose parents a shallow clone does not have: their diff would be the whole tree. */
export async function shallowBoundary(dir: string): Promise<Set<string>> {
  const file = (await runGit(["rev-parse", "--git-path", "shallow"], { cwd: dir })).trim();
  try {
    const text = await readFile(resolve(dir, file), "utf8");
    return new Set(text.split("\n").filter(Boolean));
  } catch {
    return new Set();
  }
}
