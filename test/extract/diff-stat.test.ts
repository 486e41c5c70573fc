import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseDiff } from "../../lib/extract/diff.js";
import { type StatEntry, displayWidth, pprintRename, quoteC, renderStatBlock } from "../../lib/extract/diff-stat.js";
import { type FixtureRepo, createRepo, lines } from "../helpers/git-fixture.js";
import { tempDir } from "../helpers/process.js";

/** Our stat block for a commit, from its patch alone (plus blob sizes for binary files), as 02-extract builds it. */
async function ourStat(repo: FixtureRepo, sha: string): Promise<string> {
  const patch = await repo.git("-c", "core.quotePath=false", "show", "-M", "--patch", "--format=", sha);
  const entries: StatEntry[] = [];
  for (const f of parseDiff(patch).files) {
    if (!f.binary) {
      entries.push({ name: f.path, oldName: f.oldPath, added: f.insertions, deleted: f.deletions, binary: false });
      continue;
    }
    const size = (rev: string) => repo.git("cat-file", "-s", rev).then(Number, () => 0);
    const added = await size(`${sha}:${f.path}`);
    const deleted = await size(`${sha}^:${f.oldPath ?? f.path}`);
    entries.push({ name: f.path, oldName: f.oldPath, added, deleted, binary: true });
  }
  return renderStatBlock(entries);
}

const gitStat = (repo: FixtureRepo, sha: string) => repo.git("-c", "core.quotePath=false", "show", "-M", "--stat=200", "--format=", sha);

describe("renderStatBlock matches git's --stat=200", () => {
  let repo: FixtureRepo;
  const commits: Record<string, string> = {};
  beforeAll(async () => {
    repo = await createRepo(join(await tempDir(), "stat"));
    commits.base = await repo.commit({
      message: "base",
      files: { "src/app/main.ts": lines(40), "docs/guide.md": lines(30), "assets/logo.png": Buffer.from([0x89, 0x50, 0, 1, 2, 3]) },
    });
    commits.edit = await repo.commit({
      message: "edit and add",
      files: { "src/app/main.ts": lines(40).replace("line 3\n", "line three\n") + "tail\n", "src/new.ts": "export {}\n" },
    });
    commits.rename = await repo.commit({ message: "rename", files: { "src/app/main.ts": null, "src/core/main.ts": lines(40).replace("line 3\n", "line three\n") + "tail\n" } });
    commits.binary = await repo.commit({
      message: "binary and text",
      files: { "assets/logo.png": Buffer.from([0x89, 0x50, 0, 9, 9, 9, 9, 9, 9, 9]), "docs/guide.md": lines(31) },
    });
    const long = `${"very-long-directory-name/".repeat(8)}deep/file-with-a-long-name.ts`;
    commits.wide = await repo.commit({ message: "wide", files: { [long]: lines(500, "x"), "small.txt": "a\nb\n" } });
    commits.mixed = await repo.commit({ message: "mixed scale", files: { [long]: lines(250, "x") + lines(300, "y"), "small.txt": "a\nc\n" } });
    commits.quoted = await repo.commit({ message: "odd names", files: { 'name with "quote".txt': "q\n", "ünïcödé/ファイル.txt": "u\n" } });
    commits.deleted = await repo.commit({ message: "delete", files: { "docs/guide.md": null } });
  });

  for (const name of ["base", "edit", "rename", "binary", "wide", "mixed", "quoted", "deleted"]) {
    it(`on the "${name}" commit`, async () => {
      const sha = commits[name]!;
      expect(await ourStat(repo, sha)).toBe(await gitStat(repo, sha));
    });
  }
});

describe("stat helpers", () => {
  it("prints renames the way git compacts them", () => {
    expect(pprintRename("src/app/main.ts", "src/core/main.ts")).toBe("src/{app => core}/main.ts");
    expect(pprintRename("a.txt", "b.txt")).toBe("a.txt => b.txt");
    expect(pprintRename("lib/x.ts", "lib/y/x.ts")).toBe("lib/{ => y}/x.ts");
  });

  it("quotes only what core.quotePath=false quotes, and measures wide characters as two columns", () => {
    expect(quoteC("plain/ünï.txt")).toBe("plain/ünï.txt");
    expect(quoteC('a"b\tc')).toBe('"a\\"b\\tc"');
    expect(displayWidth("ファイル")).toBe(8);
    expect(displayWidth("abc")).toBe(3);
  });

  it("renders nothing for no files and pluralises the summary like git", () => {
    expect(renderStatBlock([])).toBe("");
    expect(renderStatBlock([{ name: "a", added: 1, deleted: 0, binary: false }])).toBe(" a | 1 +\n 1 file changed, 1 insertion(+)\n");
  });
});
