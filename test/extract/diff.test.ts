import { describe, expect, it } from "vitest";
import { parseDiff, renderDiff, shareFairly, truncateDiffToBudget } from "../../lib/extract/diff.js";

const hunk = (start: number, body: string[]) => `@@ -${start},${body.length} +${start},${body.length} @@ fn()\n${body.join("\n")}\n`;
const file = (path: string, ...hunks: string[]) =>
  `diff --git a/${path} b/${path}\nindex 1111111..2222222 100644\n--- a/${path}\n+++ b/${path}\n${hunks.join("")}`;
const STAT = " big.ts   | 40 ++++++++++++++++++++--------------------\n small.ts |  2 +-\n 2 files changed, 21 insertions(+), 21 deletions(-)\n\n";
const bigHunks = Array.from({ length: 4 }, (_, i) => hunk(10 + i * 100, Array.from({ length: 10 }, (_, j) => `${j % 2 ? "+" : "-"}  const value${i}_${j} = compute(${j});`)));
const smallHunk = hunk(3, ["-old line", "+new line"]);
const DIFF = STAT + file("big.ts", ...bigHunks) + file("small.ts", smallHunk);

describe("parseDiff", () => {
  it("splits stat block, files and hunks, and renders back to the same text", () => {
    const parsed = parseDiff(DIFF);
    expect(parsed.stat).toBe(STAT);
    expect(parsed.files.map((f) => [f.path, f.hunks.length, f.insertions, f.deletions])).toEqual([
      ["big.ts", 4, 20, 20],
      ["small.ts", 1, 1, 1],
    ]);
    expect(renderDiff(parsed)).toBe(DIFF);
  });

  it("reads paths of renames, deletions, binary files and quoted names", () => {
    const patch = [
      "diff --git a/old/name.ts b/new/name.ts\nsimilarity index 90%\nrename from old/name.ts\nrename to new/name.ts\n",
      "diff --git a/gone.ts b/gone.ts\ndeleted file mode 100644\nindex 1111111..0000000\n--- a/gone.ts\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n",
      "diff --git a/img.png b/img.png\nnew file mode 100644\nindex 0000000..87ae6b6\nBinary files /dev/null and b/img.png differ\n",
      'diff --git "a/dir with space/a\\"b.txt" "b/dir with space/a\\"b.txt"\nnew file mode 100644\nindex 0000000..1\n--- /dev/null\n+++ "b/dir with space/a\\"b.txt"\t\n@@ -0,0 +1 @@\n+q\n',
      "diff --git a/deps/sub b/deps/sub\nindex 1111111..2222222 160000\n--- a/deps/sub\n+++ b/deps/sub\n@@ -1 +1 @@\n-Subproject commit 1111111111111111111111111111111111111111\n+Subproject commit 2222222222222222222222222222222222222222\n",
    ].join("");
    const files = parseDiff(patch).files;
    expect(files.map((f) => f.path)).toEqual(["new/name.ts", "gone.ts", "img.png", 'dir with space/a"b.txt', "deps/sub"]);
    expect(files[0]?.oldPath).toBe("old/name.ts");
    expect(files.map((f) => f.binary)).toEqual([false, false, true, false, false]);
    expect(files.map((f) => f.submodule)).toEqual([false, false, false, false, true]);
  });
});

describe("truncateDiffToBudget", () => {
  it("leaves a diff within budget untouched", () => {
    expect(truncateDiffToBudget(DIFF, DIFF.length)).toEqual({ diff: DIFF, truncated: false });
  });

  it("keeps the stat block and whole hunks, stays within budget and says it truncated", () => {
    for (const budget of [STAT.length + 50, 700, 1000, 1400, DIFF.length - 1]) {
      const { diff, truncated } = truncateDiffToBudget(DIFF, budget);
      expect(truncated).toBe(true);
      expect(diff.length).toBeLessThanOrEqual(budget);
      const cut = parseDiff(diff);
      expect(cut.stat).toBe(STAT);
      const original = new Set(parseDiff(DIFF).files.flatMap((f) => f.hunks));
      for (const h of cut.files.flatMap((f) => f.hunks)) expect(original.has(h)).toBe(true);
    }
  });

  it("shares the budget fairly: the small file keeps its hunk although the big file comes first", () => {
    const budget = STAT.length + file("small.ts", smallHunk).length + file("big.ts", bigHunks[0]!).length + 20;
    const cut = parseDiff(truncateDiffToBudget(DIFF, budget).diff);
    expect(cut.files.map((f) => [f.path, f.hunks.length])).toEqual([
      ["big.ts", 1],
      ["small.ts", 1],
    ]);
  });

  it("hands out what whole-hunk rounding leaves over, one hunk per file in turn", () => {
    // An equal split gives each file less than its first hunk needs; the leftover then fits one of them.
    const twin = STAT + file("a.ts", bigHunks[0]!, bigHunks[1]!) + file("b.ts", bigHunks[2]!, bigHunks[3]!);
    const header = file("a.ts").length;
    const budget = STAT.length + 2 * header + bigHunks[0]!.length + bigHunks[2]!.length + bigHunks[1]!.length + 5;
    const cut = parseDiff(truncateDiffToBudget(twin, budget).diff);
    expect(cut.files.map((f) => [f.path, f.hunks.length])).toEqual([
      ["a.ts", 2],
      ["b.ts", 1],
    ]);
  });

  it("cuts a stat block longer than the whole budget to its first lines and its summary", () => {
    const summary = " 2 files changed, 21 insertions(+), 21 deletions(-)\n";
    const firstLine = STAT.split("\n")[0] + "\n";
    expect(truncateDiffToBudget(DIFF, firstLine.length + summary.length)).toEqual({ diff: firstLine + summary, truncated: true });
    expect(truncateDiffToBudget(DIFF, 80)).toEqual({ diff: summary, truncated: true });
  });
});

describe("shareFairly", () => {
  it("gives small demands all they ask and splits the rest equally", () => {
    expect(shareFairly([10, 500, 500], 310)).toEqual([10, 150, 150]);
    expect(shareFairly([100, 100], 1000)).toEqual([100, 100]);
    expect(shareFairly([300, 50, 300], 250)).toEqual([100, 50, 100]);
  });
});
