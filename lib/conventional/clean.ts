/**
 * Cleaning commit messages, in two layers:
 *
 * - `stripspace`: what `git commit` does to any message before it is stored
 *   (its default `strip` cleanup, without comment removal): trailing
 *   whitespace off every line, leading and trailing blank lines dropped, runs
 *   of blank lines collapsed into one. Every model output is cleaned this way
 *   before any verdict (DESIGN §6), since that is what would be committed.
 * - `cleanCommitMessage`: stripspace, after removing what a diff cannot
 *   predict (squash-merge references, trailers). The one function that cleans
 *   both the expected messages of benchmark cases and the labels a model is
 *   trained on (DESIGN §7), so train and serve see the same kind of message.
 */

/**
 * The bytes git's `isspace` accepts (git's own ctype table, not the C
 * library's): space, tab, line feed and carriage return; no vertical tab or form feed.
 */
const GIT_WHITESPACE_END = /[ \t\n\r]+$/;

/**
 * `git stripspace` without the final newline git adds: lines split at `\n`,
 * each stripped of trailing git whitespace; a line left empty is blank; blank
 * lines before the first and after the last non-blank line go, and a run of
 * them between two non-blank lines becomes one empty line. Leading whitespace
 * is kept (` feat: x` stays as it is). A test compares it with git itself.
 */
export function stripspace(text: string): string {
  const kept: string[] = [];
  let blanks = 0;
  for (const line of text.split("\n")) {
    const stripped = line.replace(GIT_WHITESPACE_END, "");
    if (stripped === "") {
      blanks += 1;
      continue;
    }
    if (blanks > 0 && kept.length > 0) kept.push("");
    blanks = 0;
    kept.push(stripped);
  }
  return kept.join("\n");
}

/**
 * One or more trailing squash-merge / backport references at the end of the
 * header: ` (#1234)`, ` (#12, #34)`, ` (#1234) (#1240)`.
 */
export const TRAILING_PR_REFS = /(?:\s*\(\s*#\d+(?:\s*,\s*#\d+)*\s*\))+\s*$/;

/**
 * Trailer keys a diff cannot predict: who signed, wrote, reviewed, tested or
 * reported it, review-system ids, and the tool that helped (`Copilot-Session`,
 * `Made-with`). Compared case-insensitively, as git does.
 */
export const UNPREDICTABLE_TRAILERS = [
  "Signed-off-by",
  "Co-authored-by",
  "Change-Id",
  "Reviewed-by",
  "Reviewed-on",
  "Acked-by",
  "Tested-by",
  "Reported-by",
  "Suggested-by",
  "Helped-by",
  "Copilot-Session",
  "Made-with",
] as const;

const UNPREDICTABLE_LINES = [
  new RegExp(`^\\s*(?:${UNPREDICTABLE_TRAILERS.join("|")}):`, "i"),
  /^\s*\(cherry picked from commit [0-9a-f]+\)\s*$/i,
];

/**
 * Strips from a real commit message what its diff cannot predict (as
 * CommitChronicle does): trailing PR references on the header (see
 * `TRAILING_PR_REFS`; kept if nothing else is left), `UNPREDICTABLE_TRAILERS`
 * lines (`Signed-off-by:`, `Co-authored-by:`, `Change-Id:`, …) and
 * `(cherry picked from commit …)` lines wherever they are; then `stripspace`.
 * CRLF becomes LF; other body text (`Closes #12` too) is kept. Idempotent.
 */
export function cleanCommitMessage(message: string): string {
  const lines = stripspace(message).split("\n");
  const header = lines[0] ?? "";
  const stripped = header.replace(TRAILING_PR_REFS, "");
  lines[0] = stripped.trim() === "" ? header : stripped;
  const body = lines.slice(1).filter((line) => !UNPREDICTABLE_LINES.some((pattern) => pattern.test(line)));
  return stripspace([lines[0], ...body].join("\n"));
}
