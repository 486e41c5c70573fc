/**
 * How many real diffs each 02-extract filter would drop, on case-format JSONL
 * files (e.g. the 3,000 real conventional commits of ../shared/data). Used to
 * tune the lockfile, generated, vendored, binary, release and secret rules.
 *
 *   npx tsx bench/extract-filters.ts [folder=../shared/data] [--examples]
 */
import { readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseDiff } from "../lib/extract/diff.js";
import { isReleaseCommit } from "../lib/conventional/parser.js";
import { type FileKind, classifyDiffFile, findSecret, isVersionBumpOnly, reasonForKinds } from "../lib/extract/filters.js";
import { readJsonl } from "../lib/core/jsonl.js";
import { CaseSchema } from "../lib/core/records.js";

const folder = resolve(process.argv[2] && !process.argv[2].startsWith("--") ? process.argv[2] : "../shared/data");
const showExamples = process.argv.includes("--examples");

const drops = new Map<string, string[]>();
const drop = (rule: string, id: string) => drops.set(rule, [...(drops.get(rule) ?? []), id]);
const fileKinds = new Map<FileKind, number>();
let diffs = 0;
let files = 0;

for (const name of (await readdir(folder)).filter((f) => f.endsWith(".jsonl")).sort()) {
  for (const record of await readJsonl(join(folder, name), CaseSchema)) {
    diffs += 1;
    const parsed = parseDiff(record.diff);
    const kinds = parsed.files.map(classifyDiffFile);
    files += kinds.length;
    for (const kind of kinds) fileKinds.set(kind, (fileKinds.get(kind) ?? 0) + 1);
    const byKinds = reasonForKinds(kinds);
    if (byKinds) drop(byKinds, record.id);
    if (isReleaseCommit(record.expectedMessage)) drop("release (message)", record.id);
    if (isVersionBumpOnly(parsed.files)) drop("release (version bump only)", record.id);
    const secret = findSecret(record.diff);
    if (secret) drop(`secret: ${secret}`, record.id);
  }
}

console.log(`${diffs} diffs, ${files} files in ${folder}\n`);
console.log("files by kind:", [...fileKinds].map(([k, n]) => `${k} ${n}`).join(", "));
console.log("\nwould drop (a diff may match several rules):");
for (const [rule, ids] of [...drops].sort((a, b) => b[1].length - a[1].length)) {
  console.log(`  ${rule.padEnd(32)} ${String(ids.length).padStart(5)}  (${((100 * ids.length) / diffs).toFixed(1)}%)`);
  if (showExamples) console.log(`    ${ids.slice(0, 12).join(" ")}`);
}
const any = new Set([...drops.values()].flat());
console.log(`  ${"any rule".padEnd(32)} ${String(any.size).padStart(5)}  (${((100 * any.size) / diffs).toFixed(1)}%)`);
