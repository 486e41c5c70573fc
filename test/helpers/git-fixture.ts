/**
 * Real git repositories for tests: commits with chosen files, messages and
 * authors, cloned by the code under test over file:// like any remote.
 */
import { execFile } from "node:child_process";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";

const exec = promisify(execFile);

export interface CommitSpec {
  message: string;
  /** Path → new content; null deletes the file. */
  files?: Record<string, string | Buffer | null>;
  author?: { name: string; email: string };
  allowEmpty?: boolean;
}

export interface FixtureRepo {
  dir: string;
  /** file:// URL: `--depth` is honoured only over a transport, not a plain path. */
  url: string;
  commit: (spec: CommitSpec) => Promise<string>;
  /** A side branch with one commit, merged with --no-ff: a merge commit on the first-parent line. */
  merge: (message: string, files: Record<string, string>) => Promise<string>;
  git: (...args: string[]) => Promise<string>;
}

let tick = 0;

export async function createRepo(dir: string): Promise<FixtureRepo> {
  await mkdir(dir, { recursive: true });
  const git = async (...args: string[]) => {
    const when = `${1_700_000_000 + tick++ * 60} +0000`;
    const { stdout } = await exec("git", args, {
      cwd: dir,
      env: { ...process.env, GIT_AUTHOR_DATE: when, GIT_COMMITTER_DATE: when, GIT_CONFIG_NOSYSTEM: "1", HOME: dir },
      maxBuffer: 256 * 1024 * 1024,
    });
    return stdout;
  };
  await git("init", "--quiet", "--initial-branch=main");
  await git("config", "user.name", "Dev Eloper");
  await git("config", "user.email", "dev@example.com");
  await git("config", "commit.gpgsign", "false");

  const writeFiles = async (files: Record<string, string | Buffer | null>) => {
    for (const [path, content] of Object.entries(files)) {
      const full = join(dir, path);
      if (content === null) await rm(full, { force: true });
      else {
        await mkdir(dirname(full), { recursive: true });
        await writeFile(full, content);
      }
    }
  };
  const commit = async (spec: CommitSpec) => {
    await writeFiles(spec.files ?? {});
    await git("add", "--all");
    const author = spec.author ? ["-c", `user.name=${spec.author.name}`, "-c", `user.email=${spec.author.email}`] : [];
    await git(...author, "commit", "--quiet", "--no-verify", ...(spec.allowEmpty ? ["--allow-empty"] : []), "-m", spec.message);
    return (await git("rev-parse", "HEAD")).trim();
  };
  const merge = async (message: string, files: Record<string, string>) => {
    const branch = `side-${tick}`;
    await git("checkout", "--quiet", "-b", branch);
    await commit({ message: `feat: side work on ${branch}`, files });
    await git("checkout", "--quiet", "main");
    await git("merge", "--quiet", "--no-ff", "-m", message, branch);
    return (await git("rev-parse", "HEAD")).trim();
  };
  return { dir, url: pathToFileURL(dir).href, commit, merge, git };
}

/** Lines of text, so that diffs have many lines and hunks. */
export const lines = (count: number, label = "line") => Array.from({ length: count }, (_, i) => `${label} ${i + 1}\n`).join("");
