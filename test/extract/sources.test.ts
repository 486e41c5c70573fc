import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { allSources, checkHeldOut, checkNames, repositoryLabel } from "../../lib/extract/sources.js";
import { REPO_ROOT, runTsx, tempDir } from "../helpers/process.js";

describe("sources", () => {
  const config = {
    repos: [{ name: "react", url: "https://github.com/facebook/react.git" }],
    benchmark: { source: { name: "angular", url: "https://github.com/angular/angular.git" } },
  };

  it("lists training sources first, then the benchmark source, each with its role", () => {
    expect(allSources(config).map((s) => [s.name, s.role])).toEqual([
      ["react", "train"],
      ["angular", "benchmark"],
    ]);
  });

  it("refuses a benchmark source that is also a training source, whatever its name", () => {
    expect(checkHeldOut(config)).toBe(true);
    const byUrl = { ...config, repos: [...config.repos, { name: "ng", url: "https://github.com/Angular/angular/" }] };
    expect(checkHeldOut(byUrl)).toMatch(/also a training source \(repos: ng/);
  });

  it("names both entries that share a name, the benchmark source among them, and only those", () => {
    expect(checkNames(config)).toBe(true);
    const twice = { ...config, repos: [...config.repos, { name: "react", url: "https://example.com/react-fork.git" }] };
    expect(checkNames(twice)).toBe(
      'repos[0] (https://github.com/facebook/react.git) and repos[1] (https://example.com/react-fork.git) are both named "react": each needs a name of its own, which names its folder and files',
    );
    expect(checkHeldOut(twice)).toBe(true);
    const withSource = { ...config, repos: [{ name: "angular", url: "https://example.com/other.git" }] };
    expect(checkNames(withSource)).toMatch(/^repos\[0\] \(https:\/\/example\.com\/other\.git\) and benchmark\.source \(https:\/\/github\.com\/angular\/angular\.git\) are both named "angular"/);
  });

  it("stops 01-clone on two entries with one name, naming both and the fix, not the benchmark source", async () => {
    const dir = await tempDir();
    const repos = [{ name: "vite", url: "https://github.com/vitejs/vite.git" }, { name: "vite", url: "https://github.com/me/vite-fork.git" }];
    await writeFile(join(dir, "joco.config.json"), JSON.stringify({ repos }));
    const result = await runTsx(join(REPO_ROOT, "runbook/01-clone.ts"), [], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('repos[0] (https://github.com/vitejs/vite.git) and repos[1] (https://github.com/me/vite-fork.git) are both named "vite"');
    expect(result.stderr).toContain("Rename one of each pair in joco.config.json");
    expect(result.stderr).not.toContain("benchmark source held out");
  });

  it("names a repository owner/repo from its URL, and by its configured name when local", () => {
    expect(repositoryLabel("vue", "https://github.com/vuejs/core.git")).toBe("vuejs/core");
    expect(repositoryLabel("cli", "git@github.com:docker/cli.git")).toBe("docker/cli");
    expect(repositoryLabel("local", "file:///tmp/repos/x")).toBe("local");
    expect(repositoryLabel("local", "/srv/git/x")).toBe("local");
  });
});
