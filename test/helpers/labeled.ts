/** Synthetic but realistic diffs and labeled records for the curation tests: seeded, so every run builds the same ones. */
import { createRng } from "../../lib/curate/split.js";
import type { Case, Labeled } from "../../lib/core/records.js";

const WORDS = (
  "alpha beta gamma delta render props state effect router cache token parser buffer stream client server " +
  "config option value index handler module plugin config build watch resolve import export chunk asset " +
  "query schema table column cursor socket thread queue retry timeout signal error logger format encode"
).split(" ");

export interface DiffShape {
  files?: number;
  hunksPerFile?: number;
  linesPerHunk?: number;
}

/** A `git show --stat --patch` style diff whose words are drawn from the seed. */
export function syntheticDiff(seed: number, shape: DiffShape = {}): string {
  const { files = 2, hunksPerFile = 2, linesPerHunk = 6 } = shape;
  const random = createRng(seed);
  const word = () => WORDS[Math.floor(random() * WORDS.length)]!;
  const line = () => `  const ${word()}${Math.floor(random() * 1000)} = ${word()}.${word()}(${word()}, ${Math.floor(random() * 100)})`;
  const names = Array.from({ length: files }, (_, f) => `src/${word()}/${word()}-${seed}-${f}.ts`);
  const stat = names.map((name) => ` ${name} | ${hunksPerFile * linesPerHunk} ++++`).join("\n");
  const patches = names.map((name) => {
    const hunks = Array.from({ length: hunksPerFile }, (_, h) => {
      const body = Array.from({ length: linesPerHunk }, (_, i) => `${i % 3 === 0 ? " " : i % 3 === 1 ? "-" : "+"}${line()}`);
      return `@@ -${h * 40 + 1},${linesPerHunk} +${h * 40 + 1},${linesPerHunk} @@\n${body.join("\n")}\n`;
    });
    return `diff --git a/${name} b/${name}\nindex ${seed.toString(16).padStart(7, "0")}..${(seed + 1).toString(16).padStart(7, "0")} 100644\n--- a/${name}\n+++ b/${name}\n${hunks.join("")}`;
  });
  return `${stat}\n ${files} files changed\n\n${patches.join("")}`;
}

/** The same diff with one changed line rewritten: a near-duplicate. */
export function withOneLineChanged(diff: string): string {
  return diff.replace(/^\+ {2}const (\w+)/m, "+  const tweaked_$1");
}

const hash = (n: number) => (n * 2654435761 >>> 0).toString(16).padStart(8, "0").repeat(5);

export function labeledRecord(n: number, message: string, overrides: Partial<Labeled> = {}): Labeled {
  const header = message.split("\n")[0]!;
  const match = /^(\w+)(?:\(([^)]+)\))?!?: (.*)$/.exec(header);
  const diff = overrides.diff ?? syntheticDiff(n);
  return {
    id: `repo-${String(n).padStart(4, "0")}`,
    repository: "acme/repo",
    commitHash: hash(n + 1),
    date: "2026-01-01T00:00:00Z",
    diff,
    originalMessage: message,
    stats: { files: 2, insertions: 8, deletions: 4 },
    truncated: false,
    message,
    label: { type: match?.[1] ?? "chore", scope: match?.[2] ?? null, breaking: false, subject: match?.[3] ?? header, body: null },
    labeler: { backend: "original", model: null },
    usage: null,
    ...overrides,
  };
}

export function benchmarkCase(id: string, diff: string, commitHash = hash(999_999)): Case {
  return { id, diff, expectedMessage: "fix: something", repository: "bench/repo", commitHash, metadata: {} };
}
