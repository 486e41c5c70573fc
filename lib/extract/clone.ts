/**
 * Bringing tmp/repos/<name> in line with the configuration: clone what is
 * missing, keep what is already there with enough history, fetch on request.
 * A clone lands in a temp folder first and is renamed into place, so a folder
 * under its own name is always a whole clone, and an interrupted one is redone.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { CommandError, errorMessage } from "../core/errors.js";
import { pathExists } from "../core/files.js";
import { type CloneInfo, cloneRepository, cloneTarget, fetchRepository, inspectClone, redactUrls } from "./git.js";

export interface RepoToClone {
  name: string;
  url: string;
  depth: number;
}

export const CLONE_ACTIONS = ["cloned", "kept", "fetched", "deepened"] as const;
export type CloneAction = (typeof CLONE_ACTIONS)[number] | "failed";

export interface CloneResult {
  name: string;
  path: string;
  action: CloneAction;
  head?: string;
  commits?: number;
  /** git's own message when it failed. */
  error?: string;
  /** What an existing folder held when it was replaced: a clone of another remote, or no usable clone. */
  replaced?: string;
  ms: number;
}

interface SyncOptions {
  reposDir: string;
  refresh: boolean;
  signal?: AbortSignal;
  onStart?: (repo: RepoToClone, what: string) => void;
}

const PARTIAL_PREFIX = ".partial-";

/** Never throws: a failure is a result, with git's message, so the other repositories go on. */
export async function syncRepository(repo: RepoToClone, options: SyncOptions): Promise<CloneResult> {
  const started = Date.now();
  let path = "";
  try {
    path = cloneTarget(options.reposDir, repo);
    const folderExists = await pathExists(path);
    const existing = folderExists ? await inspectClone(path) : undefined;
    let action: CloneAction;
    let replaced: string | undefined;
    if (existing && sameRemote(existing.url, repo.url)) {
      action = options.refresh ? "fetched" : hasEnoughHistory(existing, repo.depth) ? "kept" : "deepened";
      if (action !== "kept") {
        options.onStart?.(repo, action === "fetched" ? "fetching" : `deepening to ${repo.depth} commits`);
        await fetchRepository(path, repo.depth, options.signal);
      }
    } else {
      options.onStart?.(repo, "cloning");
      replaced = existing ? `a clone of ${redactUrls(existing.url)}` : folderExists ? "a folder that was not a usable clone" : undefined;
      await cloneInto(path, repo, options);
      action = "cloned";
    }
    const info = await inspectClone(path);
    return { name: repo.name, path, action, head: info?.head, commits: info?.commits, replaced, ms: Date.now() - started };
  } catch (error) {
    // git's own words ("fatal: repository '…' not found") say more than the command line around them.
    const message = error instanceof CommandError && error.stderr.trim() ? error.stderr.trim() : errorMessage(error);
    return { name: repo.name, path, action: "failed", error: redactUrls(message), ms: Date.now() - started };
  }
}

export async function syncRepositories(
  repos: RepoToClone[],
  options: SyncOptions & { concurrency: number; onResult?: (result: CloneResult) => void },
): Promise<CloneResult[]> {
  const { default: pLimit } = await import("p-limit");
  const limit = pLimit(options.concurrency);
  return Promise.all(
    repos.map((repo) =>
      limit(async () => {
        const result = await syncRepository(repo, options);
        options.onResult?.(result);
        return result;
      }),
    ),
  );
}

async function cloneInto(path: string, repo: RepoToClone, options: SyncOptions): Promise<void> {
  await mkdir(options.reposDir, { recursive: true });
  await removeLeftovers(options.reposDir, repo.name);
  const temp = join(options.reposDir, `${PARTIAL_PREFIX}${repo.name}-${randomBytes(4).toString("hex")}`);
  try {
    await cloneRepository(repo.url, temp, repo.depth, options.signal);
    await rm(path, { recursive: true, force: true });
    await rename(temp, path);
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/** Temp folders of clones that a crash or Ctrl-C cut short. */
async function removeLeftovers(reposDir: string, name: string): Promise<void> {
  const prefix = `${PARTIAL_PREFIX}${name}-`;
  for (const entry of await readdir(reposDir)) {
    if (entry.startsWith(prefix) && /^[0-9a-f]{8}$/.test(entry.slice(prefix.length))) {
      await rm(join(reposDir, entry), { recursive: true, force: true });
    }
  }
}

function hasEnoughHistory(info: CloneInfo, depth: number): boolean {
  if (!info.shallow) return true;
  return (info.depth ?? info.commits) >= depth;
}

const normalizeUrl = (url: string) => url.trim().replace(/\/+$/, "").replace(/\.git$/, "");
const sameRemote = (a: string, b: string) => normalizeUrl(a) === normalizeUrl(b);
