import { describe, expect, it } from "vitest";
import { allSources, checkSources, repositoryLabel } from "../../lib/extract/sources.js";

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

  it("refuses a benchmark source that is also a training source, by name or by URL, and two repositories in one folder", () => {
    expect(checkSources(config)).toBe(true);
    const byUrl = { ...config, repos: [...config.repos, { name: "ng", url: "https://github.com/Angular/angular/" }] };
    expect(checkSources(byUrl)).toMatch(/also a training source \(repos: ng/);
    const byName = { ...config, repos: [{ name: "angular", url: "https://example.com/other.git" }] };
    expect(checkSources(byName)).toMatch(/also a training source/);
    const twice = { ...config, repos: [...config.repos, { name: "react", url: "https://example.com/react-fork.git" }] };
    expect(checkSources(twice)).toMatch(/two repositories are named "react"/);
  });

  it("names a repository owner/repo from its URL, and by its configured name when local", () => {
    expect(repositoryLabel("vue", "https://github.com/vuejs/core.git")).toBe("vuejs/core");
    expect(repositoryLabel("cli", "git@github.com:docker/cli.git")).toBe("docker/cli");
    expect(repositoryLabel("local", "file:///tmp/repos/x")).toBe("local");
    expect(repositoryLabel("local", "/srv/git/x")).toBe("local");
  });
});
