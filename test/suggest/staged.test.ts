import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ExtractedRecord } from "../../lib/extract/records.js";
import { extractRepository } from "../../lib/extract/repository.js";
import type { ExtractSettings } from "../../lib/extract/settings.js";
import { commitDiffHash, stagedDiff } from "../../lib/suggest/staged.js";
import { DEFAULT_CONFIG } from "../../runbook/00-config.js";
import { createRepo, lines } from "../helpers/git-fixture.js";
import { tempDir } from "../helpers/process.js";

const BUDGET = 1500;
const SETTINGS: ExtractSettings = {
  name: "app",
  repository: "acme/app",
  role: "train",
  max: 1,
  diffBudgetChars: BUDGET,
  maxChangedLines: 2000,
  maxFiles: 40,
  maxBlobBytes: 1_000_000,
  types: DEFAULT_CONFIG.conventional.types,
};

/** What 02-extract makes of the commit at HEAD. */
async function extractedHead(dir: string): Promise<ExtractedRecord> {
  const records: ExtractedRecord[] = [];
  await extractRepository(dir, SETTINGS, { write: async (record) => void records.push(record) });
  if (!records[0]) throw new Error("HEAD was not extracted");
  return records[0];
}

describe("the staged diff", () => {
  it("is what 02-extract makes of the same change once committed: stat block, patch, the same truncation", async () => {
    const repo = await createRepo(join(await tempDir(), "repo"));
    await repo.commit({ message: "feat: start", files: { "src/parser.ts": lines(40, "parse"), "docs/old-name.md": lines(30, "doc"), "logo.png": Buffer.from([0, 1, 2, 3]) } });
    await repo.commit({
      message: "ignored",
      files: {
        "src/parser.ts": lines(40, "parse").replace("parse 3\n", "parse three\n").replace("parse 30\n", "parse thirty\n"),
        "docs/old-name.md": null,
        "docs/new-name.md": lines(30, "doc"),
        "README.md": lines(120, "readme"),
        "logo.png": Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 0]),
      },
    });
    // The fixture writes and stages files by committing them; undoing the commit leaves them staged.
    await repo.git("reset", "--soft", "HEAD~1");

    const staged = await stagedDiff(repo.dir, BUDGET);
    expect(staged).not.toBeNull();
    expect(staged!.truncated).toBe(true);
    expect(staged!.diff.length).toBeLessThanOrEqual(BUDGET);
    expect(staged!.diff).toContain("docs/{old-name.md => new-name.md}");
    expect(staged!.diff).toMatch(/logo\.png +\| Bin 4 -> 9 bytes/);

    await repo.git("commit", "--quiet", "--no-verify", "-m", "feat: more");
    const record = await extractedHead(repo.dir);
    expect(staged!.diff).toBe(record.diff);
    expect(staged!.truncated).toBe("truncated" in record && record.truncated);
    expect(staged!.diffHash).toBe(await commitDiffHash(repo.dir));
  });

  it("is the whole diff when it fits, and null when nothing is staged", async () => {
    const repo = await createRepo(join(await tempDir(), "repo"));
    await repo.commit({ message: "feat: start", files: { "a.txt": "one\n" } });
    expect(await stagedDiff(repo.dir, BUDGET)).toBeNull();
    await repo.commit({ message: "fix: edit", files: { "a.txt": "one\ntwo\n" } });
    const shown = await repo.git("-c", "core.quotePath=false", "show", "-M", "--stat=200", "--patch", "--format=", "HEAD");
    await repo.git("reset", "--soft", "HEAD~1");
    const staged = await stagedDiff(repo.dir, BUDGET);
    expect(staged).toMatchObject({ diff: shown, truncated: false, files: 1 });
  });

  it("works before the first commit, against the empty tree, with the hash the first commit will have", async () => {
    const repo = await createRepo(join(await tempDir(), "repo"));
    await writeFile(join(repo.dir, "hello.txt"), "hello\n");
    await repo.git("add", "hello.txt");
    const staged = await stagedDiff(repo.dir, BUDGET);
    expect(staged?.diff).toMatch(/^ hello\.txt \| 1 \+\n 1 file changed, 1 insertion\(\+\)\n\ndiff --git a\/hello\.txt b\/hello\.txt\nnew file mode 100644/);
    await repo.git("commit", "--quiet", "--no-verify", "-m", "feat: hello");
    expect(staged!.diffHash).toBe(await commitDiffHash(repo.dir));
  });
});
