/**
 * What the installed hooks do once node runs. prepare-commit-msg fills a
 * plain commit's message with the suggestion, above git's comment block, and
 * logs it; post-commit adds the committed message to that log line. Neither
 * ever fails a commit: a problem is one line on stderr, and git goes on.
 */
import { readFile, rm, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { errorMessage } from "../core/errors.js";
import { pathExists } from "../core/files.js";
import { committedMessage, git } from "./git.js";
import type { SuggestSettings } from "./settings.js";
import { commitDiffHash } from "./staged.js";
import { type GeneratorFactory, type SuggestOutcome, suggestForStaged } from "./suggest.js";
import { appendSuggestion, pendingMarkerOf, recordCommit, usageLogOf } from "./usage-log.js";

/** git's second argument: empty for a plain `git commit`, `template` for -t / commit.template; message, merge, squash and commit (amend, -c, -C) are the user's own. */
const FILLED_SOURCES = new Set(["", "template"]);

const note = (line: string) => process.stderr.write(`joco: ${line}\n`);

export interface PrepareRequest {
  repo: string;
  /** The message file git passes, relative to the worktree top as git gives it. */
  messageFile: string;
  source: string;
  settings: SuggestSettings;
  /** The whole budget (hook.timeoutMs)… */
  timeoutMs: number;
  /** …of which this much is spent already: the hook passes node's uptime, so a slow start is part of the budget. */
  elapsedMs: number;
  create?: GeneratorFactory;
}

/** Returns what it did, for tests and --verbose: `skipped`, `nothing-staged`, `suggested` or `no-suggestion`. */
export async function prepareCommitMessage(request: PrepareRequest): Promise<string> {
  if (!FILLED_SOURCES.has(request.source)) return "skipped";
  const budget = Math.max(0, Math.floor(request.timeoutMs - request.elapsedMs));
  const deadline = AbortSignal.timeout(budget);
  const why = (error: unknown) =>
    deadline.aborted ? `nothing within ${request.timeoutMs} ms (hook.timeoutMs)` : errorMessage(error).split("\n")[0];
  let outcome;
  try {
    outcome = await suggestForStaged(request.repo, request.settings, { deadline, create: request.create });
  } catch (error) {
    note(`no suggestion (${why(error)}); the commit goes on, write its message yourself`);
    return "no-suggestion";
  }
  if (outcome.kind === "nothing-staged") return "nothing-staged";
  if (outcome.kind === "failed") {
    note(`no suggestion (${deadline.aborted ? why(null) : outcome.error}); the commit goes on, write its message yourself`);
    return "no-suggestion";
  }
  const file = resolve(request.repo, request.messageFile);
  const original = await readFile(file, "utf8").catch(() => "");
  // Above git's comment block (and any template), which starts with a blank line in a plain commit.
  await writeFile(file, `${outcome.message}\n${original.startsWith("\n") ? "" : "\n"}${original}`);
  await logSuggestion(request.repo, outcome, request.settings);
  return "suggested";
}

/** Appends a suggestion to the repository's usage log; a log that cannot be written costs a line on stderr, not the suggestion. */
export async function logSuggestion(repo: string, outcome: Extract<SuggestOutcome, { kind: "suggested" }>, settings: SuggestSettings): Promise<void> {
  try {
    await appendSuggestion(await usageLogOf(repo), {
      time: new Date().toISOString(),
      diffHash: outcome.staged.diffHash,
      model: outcome.model,
      mode: settings.mode,
      suggestion: outcome.message,
      latencyMs: outcome.latencyMs === null ? null : Math.round(outcome.latencyMs),
      ...(settings.logDiffs ? { diff: outcome.staged.diff } : {}),
    });
  } catch (error) {
    note(`suggested, but the usage log could not be written (${errorMessage(error)})`);
  }
}

/** Completes the usage log line of the commit just made, if a suggestion was made for its diff. */
export async function recordCommittedMessage(repo: string): Promise<boolean> {
  try {
    const file = await usageLogOf(repo);
    const pending = pendingMarkerOf(file);
    if (!(await pathExists(pending))) return false;
    const [diffHash, message, sha] = await Promise.all([commitDiffHash(repo), committedMessage(repo), git(repo, ["rev-parse", "HEAD"])]);
    const recorded = await recordCommit(file, { diffHash, message, sha: sha.trim() });
    // Matched or not, this commit settles it: an open suggestion whose diff was not committed now waits for no commit in particular.
    await rm(pending, { force: true });
    return recorded;
  } catch (error) {
    note(`the committed message could not be added to the usage log (${errorMessage(error).split("\n")[0]})`);
    return false;
  }
}
