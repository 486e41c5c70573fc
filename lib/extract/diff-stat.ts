/**
 * git's `--stat=<width>` block, rendered from counts we already have: asking
 * git for `--stat` next to `--patch` makes it diff every file twice (measured:
 * +30% of git's time on the extraction benchmark). A port of show_stats(),
 * pprint_rename() and print_stat_summary_inserts_deletes() of git's diff.c;
 * test/diff-stat.test.ts compares it with git's own output.
 */

export interface StatEntry {
  /** The path after the change; `oldName` too for a rename or copy. */
  name: string;
  oldName?: string;
  /** Lines, or for a binary file the blob sizes in bytes (new, old). */
  added: number;
  deleted: number;
  binary: boolean;
}

export function renderStatBlock(entries: StatEntry[], width = 200): string {
  if (entries.length === 0) return "";
  const rows = entries.map((e) => ({ ...e, printName: e.oldName && e.oldName !== e.name ? pprintRename(e.oldName, e.name) : quoteC(e.name) }));
  let maxChange = 0;
  let maxLen = 0;
  let binWidth = 0;
  let numberWidth = 0;
  for (const row of rows) {
    maxLen = Math.max(maxLen, displayWidth(row.printName));
    if (row.binary) {
      binWidth = Math.max(binWidth, 14 + decimalWidth(row.added) + decimalWidth(row.deleted));
      numberWidth = 3; // change counts aligned with "Bin"
      continue;
    }
    maxChange = Math.max(maxChange, row.added + row.deleted);
  }
  numberWidth = Math.max(numberWidth, decimalWidth(maxChange));
  width = Math.max(width, 16 + 6 + numberWidth);
  let graphWidth = maxChange + 4 > binWidth ? maxChange : binWidth - 4;
  let nameWidth = maxLen;
  if (nameWidth + numberWidth + 6 + graphWidth > width) {
    if (graphWidth > Math.trunc((width * 3) / 8) - numberWidth - 6) {
      graphWidth = Math.max(6, Math.trunc((width * 3) / 8) - numberWidth - 6);
    }
    if (nameWidth > width - numberWidth - 6 - graphWidth) nameWidth = width - numberWidth - 6 - graphWidth;
    else graphWidth = width - numberWidth - 6 - nameWidth;
  }

  let out = "";
  let adds = 0;
  let dels = 0;
  for (const row of rows) {
    const name = scaleName(row.printName, nameWidth);
    const head = ` ${name.text}${" ".repeat(Math.max(0, name.width - displayWidth(name.text)))} |`;
    if (row.binary) {
      out += `${head} ${"Bin".padStart(numberWidth)}${row.added || row.deleted ? ` ${row.deleted} -> ${row.added} bytes` : ""}\n`;
      continue;
    }
    adds += row.added;
    dels += row.deleted;
    let add = row.added;
    let del = row.deleted;
    if (graphWidth <= maxChange) {
      let total = scaleLinear(add + del, graphWidth, maxChange);
      if (total < 2 && add && del) total = 2;
      if (add < del) {
        add = scaleLinear(add, graphWidth, maxChange);
        del = total - add;
      } else {
        del = scaleLinear(del, graphWidth, maxChange);
        add = total - del;
      }
    }
    const changes = row.added + row.deleted;
    out += `${head} ${String(changes).padStart(numberWidth)}${changes ? " " : ""}${"+".repeat(add)}${"-".repeat(del)}\n`;
  }
  return out + summaryLine(rows.length, adds, dels) + "\n";
}

function summaryLine(files: number, insertions: number, deletions: number): string {
  let line = files === 1 ? ` ${files} file changed` : ` ${files} files changed`;
  if (insertions || deletions === 0) line += insertions === 1 ? `, ${insertions} insertion(+)` : `, ${insertions} insertions(+)`;
  if (deletions || insertions === 0) line += deletions === 1 ? `, ${deletions} deletion(-)` : `, ${deletions} deletions(-)`;
  return line;
}

/** At least one column for any change: scale as if one column shorter, then add one. */
const scaleLinear = (it: number, width: number, maxChange: number) => (it ? 1 + Math.trunc((it * (width - 1)) / maxChange) : 0);
const decimalWidth = (n: number) => String(n).length;

/** A name wider than its column keeps its tail, from a slash where there is one: `.../dir/file.ts`. */
function scaleName(name: string, nameWidth: number): { text: string; width: number } {
  const nameLen = displayWidth(name);
  if (nameWidth >= nameLen) return { text: name, width: nameWidth };
  const len = nameWidth - 3;
  // As git does, the cut advances by bytes what was measured in columns.
  const bytes = Buffer.from(name, "utf8");
  let rest = bytes.subarray(Math.max(0, nameLen - len));
  const slash = rest.indexOf(0x2f);
  if (slash >= 0) rest = rest.subarray(slash);
  return { text: `...${rest.toString("utf8")}`, width: len + 3 };
}

/** `a/b/c.ts` → `a/b/d.ts` is shown as `a/b/{c.ts => d.ts}`. */
export function pprintRename(a: string, b: string): string {
  if (needsQuote(a) || needsQuote(b)) return `${quoteC(a)} => ${quoteC(b)}`;
  const A = Buffer.from(a, "utf8");
  const B = Buffer.from(b, "utf8");
  let prefix = 0;
  for (let i = 0; i < A.length && i < B.length && A[i] === B[i]; i++) if (A[i] === 0x2f) prefix = i + 1;
  let suffix = 0;
  const adjust = prefix ? 1 : 0;
  for (let i = A.length, j = B.length; prefix - adjust <= i && prefix - adjust <= j && A[i] === B[j]; i--, j--) {
    if (A[i] === 0x2f) suffix = A.length - i;
  }
  const aMid = Math.max(0, A.length - prefix - suffix);
  const bMid = Math.max(0, B.length - prefix - suffix);
  const text = (buf: Buffer, from: number, length: number) => buf.subarray(from, from + length).toString("utf8");
  const middle = `${text(A, prefix, aMid)} => ${text(B, prefix, bMid)}`;
  if (prefix + suffix === 0) return middle;
  return `${text(A, 0, prefix)}{${middle}}${text(A, A.length - suffix, suffix)}`;
}

const C_ESCAPES: Record<number, string> = { 7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r", 34: '\\"', 92: "\\\\" };
/** With core.quotePath=false, git quotes only control characters, `"` and `\`. */
const needsQuote = (name: string) => /[\x00-\x1f"\\\x7f]/.test(name);

export function quoteC(name: string): string {
  if (!needsQuote(name)) return name;
  let out = '"';
  for (const char of name) {
    const code = char.codePointAt(0)!;
    out += C_ESCAPES[code] ?? (code < 0x20 || code === 0x7f ? `\\${code.toString(8).padStart(3, "0")}` : char);
  }
  return out + '"';
}

/** Terminal columns, as git's utf8_strwidth counts them: combining marks 0, East Asian wide 2. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (/\p{M}/u.test(char)) continue;
    width += isWide(code) ? 2 : 1;
  }
  return width;
}

function isWide(code: number): boolean {
  return (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf && code !== 0x303f) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1f64f) ||
    (code >= 0x1f900 && code <= 0x1f9ff) ||
    (code >= 0x20000 && code <= 0x3fffd)
  );
}
