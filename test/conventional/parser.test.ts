import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import configConventional from "@commitlint/config-conventional";
import load from "@commitlint/load";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_TYPES,
  bodyOf,
  headerOf,
  isHeaderCompliant,
  isReleaseCommit,
  lintCommitMessage,
  loadCommitlintConfig,
  parseHeader,
  renderMessage,
  typeOf,
} from "../../lib/conventional/parser.js";
import { tempDir } from "../helpers/process.js";

const lintNames = (errors: string[]) => errors.map((e) => e.slice(0, e.indexOf(":")));

describe("DEFAULT_TYPES", () => {
  it("is exactly config-conventional's own type-enum", () => {
    expect(DEFAULT_TYPES).toHaveLength(11);
    expect([...DEFAULT_TYPES].sort()).toEqual([...configConventional.rules["type-enum"][2]].sort());
  });
});

describe("lintCommitMessage", () => {
  it("passes ordinary, scoped, bodied and breaking headers (the parser preset is loaded)", async () => {
    for (const message of [
      "feat: add a parser",
      "feat!: drop node 18",
      "fix(scope)!: x",
      "feat(api): add paging\n\nThe list endpoint now pages.\n\nBREAKING CHANGE: offsets are gone",
    ]) {
      const result = await lintCommitMessage(message, DEFAULT_TYPES);
      expect(result, message).toEqual({ valid: true, errors: [], warnings: [] });
    }
  });

  it("does not wave through what commitlint ignores by default", async () => {
    for (const message of [
      'Revert "feat: x"\n\nThis reverts commit 0123456789abcdef0123456789abcdef01234567.',
      "Merge branch 'x'",
      "Merge pull request #12 from a/b",
      "fixup! feat: x",
      "squash! feat: x",
      "v1.2.3",
    ]) {
      const result = await lintCommitMessage(message, DEFAULT_TYPES);
      expect(result.valid, message).toBe(false);
      expect(lintNames(result.errors), message).toContain("type-empty");
    }
  });

  it("calls empty and whitespace-only messages invalid without throwing", async () => {
    for (const message of ["", "  \n", "\n\n", "\t"]) {
      const result = await lintCommitMessage(message, DEFAULT_TYPES);
      expect(result.valid, JSON.stringify(message)).toBe(false);
      expect(result.errors).toEqual([expect.stringMatching(/^empty-message: .*empty/)]);
    }
  });

  it("rejects an upper-case type (type-case), though the lenient reading accepts it", async () => {
    const result = await lintCommitMessage("FEAT: x", DEFAULT_TYPES);
    expect(result.valid).toBe(false);
    expect(lintNames(result.errors)).toContain("type-case");
    expect(typeOf("FEAT: x")).toBe("feat");
    expect(isHeaderCompliant("FEAT: x", DEFAULT_TYPES)).toBe(true);
  });

  it("checks the type against the list given, not config-conventional's", async () => {
    const outside = await lintCommitMessage("release: v1", DEFAULT_TYPES);
    expect(outside.valid).toBe(false);
    expect(lintNames(outside.errors)).toEqual(["type-enum"]);
    expect((await lintCommitMessage("release: v1", [...DEFAULT_TYPES, "release"])).valid).toBe(true);
    expect(lintNames((await lintCommitMessage("docs: x", ["feat", "fix"])).errors)).toEqual(["type-enum"]);
  });

  it("applies config-conventional's 100-character header limit", async () => {
    const at100 = `feat: ${"a".repeat(94)}`;
    expect(at100).toHaveLength(100);
    expect((await lintCommitMessage(at100, DEFAULT_TYPES)).valid).toBe(true);
    const over = await lintCommitMessage(`${at100}b`, DEFAULT_TYPES);
    expect(over.valid).toBe(false);
    expect(lintNames(over.errors)).toEqual(["header-max-length"]);
  });

  it("reports the other config-conventional errors, and warnings that keep a message valid", async () => {
    expect(lintNames((await lintCommitMessage("feat: Add a parser", DEFAULT_TYPES)).errors)).toEqual(["subject-case"]);
    expect(lintNames((await lintCommitMessage("feat: add a parser.", DEFAULT_TYPES)).errors)).toEqual([
      "subject-full-stop",
    ]);
    expect(lintNames((await lintCommitMessage("feat:add", DEFAULT_TYPES)).errors).sort()).toEqual([
      "subject-empty",
      "type-empty",
    ]);
    const noBlank = await lintCommitMessage("feat: add a parser\nwith a body", DEFAULT_TYPES);
    expect(noBlank.valid).toBe(true);
    expect(lintNames(noBlank.warnings)).toEqual(["body-leading-blank"]);
  });

  it("caches the loaded configuration per types list", () => {
    const a = loadCommitlintConfig(["feat", "fix", "cache-test"]);
    expect(loadCommitlintConfig(["feat", "fix", "cache-test"])).toBe(a);
    expect(loadCommitlintConfig(["fix", "feat", "cache-test"])).not.toBe(a);
  });

  it("ignores a commitlint configuration in the working directory", async () => {
    const dir = await tempDir();
    const weird = { rules: { "type-enum": [2, "always", ["zzz"]], "header-max-length": [2, "always", 5] } };
    await writeFile(join(dir, "commitlint.config.js"), `export default ${JSON.stringify(weird)};\n`);
    await writeFile(join(dir, "package.json"), JSON.stringify({ type: "module", commitlint: weird }));
    // The fixture is live: commitlint's own search from this folder finds it.
    expect((await load({}, { cwd: dir })).rules["type-enum"]).toEqual([2, "always", ["zzz"]]);

    const previous = process.cwd();
    process.chdir(dir);
    try {
      const types = ["feat", "fix", "cwd-test"]; // a list no other test loads, so load runs from here
      expect(await lintCommitMessage("feat: add a parser that is long", types)).toEqual({
        valid: true,
        errors: [],
        warnings: [],
      });
      expect((await lintCommitMessage("zzz: x", types)).valid).toBe(false);
    } finally {
      process.chdir(previous);
    }
  });
});

describe("parseHeader", () => {
  it("reads type, scope, breaking mark and description from the first line", () => {
    expect(parseHeader("feat(api)!: add paging\n\nbody")).toEqual({
      header: "feat(api)!: add paging",
      type: "feat",
      rawType: "feat",
      scope: "api",
      breaking: true,
      description: "add paging",
    });
    expect(parseHeader("Fix: Crash on start  \r\nbody")).toMatchObject({
      header: "Fix: Crash on start",
      type: "fix",
      rawType: "Fix",
      scope: null,
      breaking: false,
      description: "Crash on start",
    });
  });

  it("sets breaking from an upper-case BREAKING CHANGE footer in the rest of the message only", () => {
    expect(parseHeader("fix: x\n\nBREAKING CHANGE: the API changed")?.breaking).toBe(true);
    expect(parseHeader("fix: x\n\nBREAKING-CHANGE: the API changed")?.breaking).toBe(true);
    expect(parseHeader("fix: x\n\nbreaking change: the API changed")?.breaking).toBe(false);
    expect(parseHeader("fix: x\n\nThis is not a BREAKING CHANGE: really")?.breaking).toBe(false);
  });

  it("returns null for headers that do not match the lenient pattern", () => {
    for (const message of [
      "",
      "feat:x",
      "feat : x",
      "feat: ",
      "feat:  ",
      "feat(): x",
      "feat(a(b)): x",
      "feat2: x",
      "Add a feature",
      " feat: x",
      "  \nfeat: x",
      'Revert "feat: x"',
    ]) {
      expect(parseHeader(message), JSON.stringify(message)).toBeNull();
      expect(typeOf(message)).toBeNull();
      expect(isHeaderCompliant(message, DEFAULT_TYPES)).toBe(false);
    }
  });

  it("skips leading empty lines, as commitlint does", async () => {
    for (const message of ["\nfeat: x", "\r\n\r\nfeat: x\n\nbody"]) {
      expect(parseHeader(message)?.header).toBe("feat: x");
      expect((await lintCommitMessage(message, DEFAULT_TYPES)).valid).toBe(true);
    }
    expect((await lintCommitMessage("  \nfeat: x", DEFAULT_TYPES)).valid).toBe(false);
  });

  it("judges header compliance against the list given", () => {
    expect(isHeaderCompliant("release: v1", DEFAULT_TYPES)).toBe(false);
    expect(isHeaderCompliant("release: v1", ["release"])).toBe(true);
    expect(isHeaderCompliant("ci(deps)!: bump", DEFAULT_TYPES)).toBe(true);
  });

  it("splits header and body", () => {
    expect(headerOf("feat: x  \r\n\r\n\r\nbody\n")).toBe("feat: x");
    expect(bodyOf("feat: x  \r\n\r\n\r\nbody\n\nmore\n")).toBe("body\n\nmore");
    expect(bodyOf("feat: x")).toBe("");
    expect(headerOf("\n\nfeat: x\nbody")).toBe("feat: x");
    expect(bodyOf("\n\nfeat: x\nbody")).toBe("body");
  });
});

describe("isReleaseCommit", () => {
  it.each([
    "chore: release v1.2.3",
    "chore: release 1.2.3",
    "chore(release): 1.2.3",
    "chore(release): v2.0.0-beta.1 [skip ci]",
    "chore(release): publish",
    "release: v3.5.41",
    "release: create-vite@9.1.2",
    "release: plugin-legacy@8.2.3",
    "v1.2.3",
    "1.2.3",
    "v8.0.0-beta.18 (#123)",
    "Release 1.2.3",
    "Bump version to 1.2.3",
    "build: bump version to 2.0.0",
    "Version Packages",
    "Version Packages (#55)",
    "Apply Version Updates From Current Changes",
  ])("is a release: %s", (message) => {
    expect(isReleaseCommit(message)).toBe(true);
  });

  it.each([
    "chore(release): make release publishing resumable (#14953)",
    "ci: release loong64 archives (#5915)",
    "build(deps-dev): bump mypy to 1.16.0",
    "chore(deps): update @vue/repl to version 4.7.1 (#14169)",
    "fix: bump tauri-runtime-wry for #8213",
    "feat(release): add release notes",
    "fix(version): remove next from exclusive group",
    "docs: update vite version for 8 in CONTRIBUTING.md",
    "Merge branch 'release/1.2.3'",
  ])("is not a release: %s", (message) => {
    expect(isReleaseCommit(message)).toBe(false);
  });
});

describe("renderMessage", () => {
  it("renders header and body from label or structured fields", async () => {
    const message = renderMessage({
      type: "feat",
      scope: "api",
      breaking: true,
      description: " add paging ",
      body: "\nThe list endpoint pages.\n",
    });
    expect(message).toBe("feat(api)!: add paging\n\nThe list endpoint pages.");
    expect(parseHeader(message)).toMatchObject({ type: "feat", scope: "api", breaking: true, description: "add paging" });
    expect((await lintCommitMessage(message, DEFAULT_TYPES)).valid).toBe(true);

    expect(renderMessage({ type: "fix", scope: null, breaking: false, subject: "handle x", body: null })).toBe(
      "fix: handle x",
    );
    expect(renderMessage({ type: "fix", scope: "  ", subject: "handle x", body: "  " })).toBe("fix: handle x");
  });
});
