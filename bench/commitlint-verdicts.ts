/**
 * commitlint's verdicts on real commit messages, for comparing two versions of
 * @commitlint/* before pinning one: run it, change the versions, run it again,
 * and diff the two --out files. Each message of the case-format files is linted
 * as it is and in variants that exercise more rules (header only, `!`, an
 * upper-case type, a trailing period, an over-long header, a long body line, a
 * body without its blank line, Merge / Revert / fixup! prefixes).
 *
 *   npx tsx bench/commitlint-verdicts.ts [folder=../shared/data] [--out verdicts.jsonl]
 *
 * Measured on the 3,000 messages of ../shared/data (33,000 lints), 21.2.4
 * against 20.5.3, which we pin because 21.x declares Node >= 22: 10,761 valid
 * with both, no verdict differs; 12 lints name another failing rule
 * (body-max-line-length and footer-max-line-length trade places where the
 * two parsers see the footer start).
 */
import { writeFile } from "node:fs/promises";
import { readdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { lintCommitMessage } from "../lib/conventional/commitlint.js";
import { DEFAULT_TYPES } from "../lib/conventional/parser.js";
import { readJsonl } from "../lib/core/jsonl.js";
import { CaseSchema } from "../lib/core/records.js";

const args = process.argv.slice(2);
const outIndex = args.indexOf("--out");
const out = outIndex >= 0 ? args[outIndex + 1] : undefined;
const folder = resolve(args.find((a, i) => !a.startsWith("--") && i !== outIndex + 1) ?? "../shared/data");
const version = (createRequire(import.meta.url)("@commitlint/lint/package.json") as { version: string }).version;

function variants(message: string): string[] {
  const header = message.split("\n")[0] ?? "";
  return [
    message,
    header,
    header.replace(/^(\w+)(\([^)]*\))?:/, "$1$2!:"),
    header.replace(/^\w+/, (type) => type.toUpperCase()),
    `${header}.`,
    `${header} ${"x".repeat(100)}`,
    `${header}\n\n${"long body line ".repeat(10)}`,
    `${header}\nno blank line`,
    `Merge ${header}`,
    `Revert "${header}"`,
    `fixup! ${header}`,
  ];
}

const lines: string[] = [];
let messages = 0;
let valid = 0;
for (const name of (await readdir(folder)).filter((f) => f.endsWith(".jsonl")).sort()) {
  for (const record of await readJsonl(join(folder, name), CaseSchema)) {
    messages += 1;
    for (const text of variants(record.expectedMessage)) {
      const result = await lintCommitMessage(text, DEFAULT_TYPES);
      if (result.valid) valid += 1;
      lines.push(JSON.stringify([text, result.valid, result.errors.map((e) => e.split(":")[0]).sort()]));
    }
  }
}
console.log(`@commitlint/lint ${version}: ${messages} messages, ${lines.length} lints, ${valid} valid`);
if (out) {
  await writeFile(out, `${lines.join("\n")}\n`);
  console.log(`verdicts → ${out}`);
}
