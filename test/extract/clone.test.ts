import { readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { syncRepositories, syncRepository } from "../../lib/extract/clone.js";
import { pathExists } from "../../lib/core/files.js";
import { runGit } from "../../lib/extract/git.js";
import { createRepo, lines } from "../helpers/git-fixture.js";
import { type GitSpy, spyOnGit } from "../helpers/git-spy.js";
import { runCell } from "../helpers/cells.js";
import { tempDir } from "../helpers/process.js";
import { ConfigSchema } from "../../runbook/00-config.js";
import cloneCell from "../../runbook/01-clone.js";

async function sourceRepo(dir: string, commits: number) {
  const repo = await createRepo(dir);
  for (let i = 0; i < commits; i++) await repo.commit({ message: `feat: change ${i}`, files: { "a.txt": lines(i + 1) } });
  return repo;
}

let spy: GitSpy | undefined;
afterEach(() => {
  spy?.restore();
  spy = undefined;
});

describe("syncRepository", () => {
  it("makes a shallow, single-branch clone without a checkout, over file://", async () => {
    const work = await tempDir();
    const source = await sourceRepo(join(work, "src"), 5);
    await source.git("branch", "other");
    const reposDir = join(work, "repos");

    const result = await syncRepository({ name: "src", url: source.url, depth: 3 }, { reposDir, refresh: false });

    expect(result).toMatchObject({ action: "cloned", commits: 3, path: join(reposDir, "src") });
    expect(await runGit(["rev-parse", "--is-shallow-repository"], { cwd: result.path })).toBe("true\n");
    expect(await pathExists(join(result.path, "a.txt"))).toBe(false);
    expect((await runGit(["branch", "-r"], { cwd: result.path })).trim().split("\n").map((b) => b.trim())).toEqual([
      "origin/HEAD -> origin/main",
      "origin/main",
    ]);
    expect((await readdir(reposDir)).sort()).toEqual(["src"]);
  });

  it("keeps a clone with the same remote and enough history, deepens a short one, fetches on --refresh", async () => {
    const work = await tempDir();
    const source = await sourceRepo(join(work, "src"), 6);
    const reposDir = join(work, "repos");
    const repo = { name: "src", url: source.url, depth: 3 };
    const first = await syncRepository(repo, { reposDir, refresh: false });
    const before = await stat(join(first.path, ".git"));

    expect(await syncRepository(repo, { reposDir, refresh: false })).toMatchObject({ action: "kept", commits: 3 });
    expect((await stat(join(first.path, ".git"))).ino).toBe(before.ino);

    expect(await syncRepository({ ...repo, depth: 5 }, { reposDir, refresh: false })).toMatchObject({ action: "deepened", commits: 5 });

    const head = await source.commit({ message: "fix: new upstream work", files: { "b.txt": "b\n" } });
    expect(await syncRepository({ ...repo, depth: 5 }, { reposDir, refresh: false })).toMatchObject({ action: "kept" });
    expect(await syncRepository({ ...repo, depth: 5 }, { reposDir, refresh: true })).toMatchObject({ action: "fetched", head });
  });

  it("replaces a clone whose remote is no longer the configured one", async () => {
    const work = await tempDir();
    const one = await sourceRepo(join(work, "one"), 2);
    const two = await sourceRepo(join(work, "two"), 4);
    const reposDir = join(work, "repos");
    await syncRepository({ name: "lib", url: one.url, depth: 10 }, { reposDir, refresh: false });

    const result = await syncRepository({ name: "lib", url: two.url, depth: 10 }, { reposDir, refresh: false });

    expect(result).toMatchObject({ action: "cloned", replaced: `a clone of ${one.url}`, commits: 4 });
    expect((await readdir(reposDir)).sort()).toEqual(["lib"]);
  });

  it("refuses a name that climbs out of the clones folder and a URL that git would read as an option, before git runs", async () => {
    const work = await tempDir();
    const source = await sourceRepo(join(work, "src"), 1);
    const reposDir = join(work, "nested", "repos");
    spy = await spyOnGit();

    const results = await syncRepositories(
      [
        { name: "../x", url: source.url, depth: 5 },
        { name: "..", url: source.url, depth: 5 },
        { name: "ok", url: "--upload-pack=touch /tmp/pwned", depth: 5 },
      ],
      { reposDir, refresh: false, concurrency: 2 },
    );

    expect(results.map((r) => r.action)).toEqual(["failed", "failed", "failed"]);
    expect(results[0]?.error).toMatch(/"\.\.\/x" is not allowed/);
    expect(results[2]?.error).toMatch(/starts with '-'/);
    expect(await spy.calls()).toEqual([]);
    expect(await pathExists(join(work, "nested"))).toBe(false);
    expect(await pathExists(join(work, "x"))).toBe(false);
  });

  it("reports a failure with git's own message and goes on with the others", async () => {
    const work = await tempDir();
    const good = await sourceRepo(join(work, "good"), 2);
    const reposDir = join(work, "repos");
    const missing = pathToFileURL(join(work, "missing")).href;

    const results = await syncRepositories(
      [
        { name: "missing", url: missing, depth: 5 },
        { name: "good", url: good.url, depth: 5 },
      ],
      { reposDir, refresh: false, concurrency: 1 },
    );

    expect(results[0]).toMatchObject({ name: "missing", action: "failed" });
    expect(results[0]?.error).toMatch(/^fatal: '.*missing' does not appear to be a git repository/);
    expect(results[1]).toMatchObject({ name: "good", action: "cloned", commits: 2 });
    // A failed clone leaves nothing behind: no target, no temp folder.
    expect((await readdir(reposDir)).sort()).toEqual(["good"]);
  });

  it("redoes a clone cut short by a crash: the half-made temp folder is removed", async () => {
    const work = await tempDir();
    const source = await sourceRepo(join(work, "src"), 2);
    const reposDir = join(work, "repos");
    await syncRepository({ name: "src", url: source.url, depth: 5 }, { reposDir, refresh: false });
    await runGit(["config", "remote.origin.url", "file:///elsewhere"], { cwd: join(reposDir, "src") });
    const leftover = join(reposDir, ".partial-src-0badc0de");
    await runGit(["init", "--quiet", leftover]);
    await writeFile(join(leftover, "junk"), "x");

    expect(await syncRepository({ name: "src", url: source.url, depth: 5 }, { reposDir, refresh: false })).toMatchObject({ action: "cloned" });
    expect((await readdir(reposDir)).sort()).toEqual(["src"]);
  });
});

describe("01-clone cell", () => {
  it("fails at the end listing the repository that failed, and a re-run retries only that one", async () => {
    const root = await tempDir();
    const alpha = await sourceRepo(join(root, "sources/alpha"), 3);
    const cases = await sourceRepo(join(root, "sources/cases"), 2);
    const betaDir = join(root, "sources/beta");
    const config = ConfigSchema.parse({
      repos: [
        { name: "alpha", url: alpha.url },
        { name: "beta", url: pathToFileURL(betaDir).href },
      ],
      benchmark: { source: { name: "cases", url: cases.url } },
      clone: { depth: 10, concurrency: 2 },
    });

    const first = await runCell(cloneCell, root, config);
    expect(first.outcome).toBe("failed");
    expect(first.record.error).toMatch(/1 of 3 repositories failed:\n  beta: fatal: '.*beta' does not appear to be a git repository/);
    expect(first.output).toMatch(/✓ alpha: cloned, 3 commits/);
    expect(first.record.state?.clones).toMatchObject({ alpha: { action: "cloned" }, beta: { action: "failed" }, cases: { action: "cloned" } });
    const alphaGit = join(root, "tmp/repos/alpha/.git");
    const inode = (await stat(alphaGit)).ino;
    await writeFile(join(alphaGit, "joco-test-marker"), "still the first clone");

    await sourceRepo(betaDir, 4);
    spy = await spyOnGit();
    const second = await runCell(cloneCell, root, config);

    expect(second.outcome).toBe("done");
    expect(second.record.outputs).toMatchObject({
      repos: [
        { name: "alpha", action: "kept", commits: 3 },
        { name: "beta", action: "cloned", commits: 4 },
        { name: "cases", action: "kept", commits: 2 },
      ],
    });
    const clones = (await spy.calls()).filter((call) => call.includes(" clone "));
    expect(clones).toHaveLength(1);
    expect(clones[0]).toContain(pathToFileURL(betaDir).href);
    expect((await stat(alphaGit)).ino).toBe(inode);
    expect(await pathExists(join(alphaGit, "joco-test-marker"))).toBe(true);
  });

  it("refuses '../x' as a name and '--upload-pack=x' as a URL: in the config, and in the cell's preconditions before any clone", async () => {
    const root = await tempDir();
    const parsed = ConfigSchema.safeParse({
      repos: [{ name: "../x", url: "--upload-pack=x" }],
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join("."))).toEqual(["repos.0.name", "repos.0.url"]);

    // Past the schema (a config built in code), the cell still refuses before it clones anything.
    const config = { ...ConfigSchema.parse({}), repos: [{ name: "../x", url: "file:///tmp/whatever" }] };
    spy = await spyOnGit();
    const run = await runCell(cloneCell, root, config);
    expect(run.outcome).toBe("failed");
    expect(run.record.error).toMatch(/safe repository names and URLs \(Repository name "\.\.\/x" is not allowed/);
    expect((await spy.calls()).filter((call) => !call.endsWith("--version"))).toEqual([]);
    expect(await pathExists(join(root, "tmp"))).toBe(false);

    const badUrl = { ...ConfigSchema.parse({}), repos: [{ name: "x", url: "--upload-pack=x" }] };
    const refused = await runCell(cloneCell, root, badUrl);
    expect(refused.record.error).toMatch(/URL "--upload-pack=x" of x is not allowed/);
    expect((await spy.calls()).filter((call) => !call.endsWith("--version"))).toEqual([]);
    expect(await pathExists(join(root, "tmp"))).toBe(false);
  });

  it("refuses a benchmark source that is also a training source", async () => {
    const root = await tempDir();
    const config = ConfigSchema.parse({
      repos: [{ name: "ng", url: "https://github.com/angular/angular.git" }],
    });
    const run = await runCell(cloneCell, root, config);
    expect(run.outcome).toBe("failed");
    expect(run.record.error).toMatch(/benchmark source held out .*is also a training source/);
  });
});
