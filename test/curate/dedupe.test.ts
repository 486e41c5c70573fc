import { describe, expect, it } from "vitest";
import { createSimilarityIndex, diffHash, diffShingles, fingerprintDiff, jaccard, normalizeDiff } from "../../lib/curate/dedupe.js";
import { syntheticDiff, withOneLineChanged } from "../helpers/labeled.js";

describe("diff identity", () => {
  it("hashes a cherry-picked diff (other stat block, other blob hashes, trailing spaces) the same", () => {
    const diff = syntheticDiff(10);
    const cherryPick = diff
      .replace(/^ src.*$/m, " src/renamed | 99 +++")
      .replace(/^index \S+/gm, "index abcdef0..1234567")
      .replace(/\n/g, "  \n");
    expect(normalizeDiff(cherryPick)).toBe(normalizeDiff(diff));
    expect(diffHash(cherryPick)).toBe(diffHash(diff));
    expect(diffHash(withOneLineChanged(diff))).not.toBe(diffHash(diff));
  });
});

describe("near-duplicate diffs", () => {
  it("scores one changed line out of many as highly similar and unrelated diffs as dissimilar", () => {
    const diff = syntheticDiff(11, { files: 3, hunksPerFile: 3, linesPerHunk: 12 });
    expect(jaccard(diffShingles(diff), diffShingles(withOneLineChanged(diff)))).toBeGreaterThan(0.85);
    expect(jaccard(diffShingles(diff), diffShingles(syntheticDiff(12, { files: 3, hunksPerFile: 3, linesPerHunk: 12 })))).toBeLessThan(0.1);
    expect(jaccard(new Set(), new Set())).toBe(0);
  });

  it("finds the most similar stored diff through the LSH index, and nothing below the threshold", () => {
    const index = createSimilarityIndex<string>();
    const diffs = Array.from({ length: 200 }, (_, i) => syntheticDiff(100 + i, { files: 2, hunksPerFile: 3, linesPerHunk: 9 }));
    diffs.forEach((diff, i) => index.add(`d${i}`, fingerprintDiff(diff)));

    const match = index.mostSimilar(fingerprintDiff(withOneLineChanged(diffs[137]!)), 0.8);
    expect(match?.item).toBe("d137");
    expect(match?.similarity).toBeGreaterThan(0.8);
    expect(index.mostSimilar(fingerprintDiff(syntheticDiff(5000)), 0.5)).toBeUndefined();
  });

  it("gives the same fingerprint on every run", () => {
    const diff = syntheticDiff(13);
    expect(fingerprintDiff(diff)).toEqual(fingerprintDiff(diff));
  });
});
