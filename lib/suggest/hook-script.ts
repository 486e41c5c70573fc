/**
 * The hook files git runs: a few lines of POSIX sh that call this project's
 * `run.ts hook <name>` and then the hook that was there before. Everything
 * that can fail is guarded, so the commit never waits on us or fails because
 * of us; a project folder that moved is named, not ignored.
 */
import { PENDING_FILE } from "./usage-log.js";

/** The first line after the shebang: how install, uninstall and status tell our hook from anyone else's. */
export const HOOK_MARKER = "# joco-finetune hook";
/** The hooks joco installs: the suggestion before the editor opens, the committed message after. */
export const HOOK_NAMES = ["prepare-commit-msg", "post-commit"] as const;
export type HookName = (typeof HOOK_NAMES)[number];
/** Where a hook that was already there is kept, beside ours, and chained to. */
const PREVIOUS_SUFFIX = ".joco-previous";
export const previousHookOf = (path: string) => `${path}${PREVIOUS_SUFFIX}`;

export interface HookScriptSettings {
  /** The project folder (the one with runbook/run.ts), absolute. */
  project: string;
  /** The node that installed it; `node` on PATH when that one is gone (an upgrade). */
  node: string;
  /** A configuration file outside the project's joco.config.json, absolute. */
  config?: string;
}

/** Single-quoted for sh: every character literal, `'` closed, escaped and reopened. */
export const shellQuote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

const WHAT: Record<HookName, string> = {
  "prepare-commit-msg": "fills the message of a plain `git commit` with the model's suggestion (never for -m, -F, merges, squashes, amends)",
  "post-commit": "adds the committed message to the usage log beside its suggestion",
};

/** git's second argument says where the message comes from: only a plain commit (none) or a template is ours to fill. */
const PREPARE_GUARD = `case "\${2-}" in ""|template) ;; *) joco_skip=1 ;; esac`;
/** Only a commit that follows a suggestion (lib/suggest/usage-log.ts's marker) is worth starting node for. */
const POST_COMMIT_GUARD = `[ -f "$(git rev-parse --git-dir 2>/dev/null)/${PENDING_FILE}" ] || joco_skip=1`;

export function renderHookScript(name: HookName, settings: HookScriptSettings): string {
  const reinstall = "npx tsx runbook/run.ts hook install --repo <this repository>";
  return `#!/bin/sh
${HOOK_MARKER} (${name}): ${WHAT[name]}.
# Installed by \`npx tsx runbook/run.ts hook install\`; \`hook uninstall\` removes it and puts back the hook that was here.
# It never blocks a commit: whatever happens here, the hook that was here before runs next and decides.
joco_project=${shellQuote(settings.project)}
joco_node=${shellQuote(settings.node)}
joco_config=${shellQuote(settings.config ?? "")}
joco_skip=
${name === "post-commit" ? POST_COMMIT_GUARD : PREPARE_GUARD}
joco_run() {
  if [ -n "$joco_config" ]; then set -- --config "$joco_config" "$@"; fi
  cd "$joco_project" && exec "$joco_node" --import ./node_modules/tsx/dist/loader.mjs runbook/run.ts hook "$@"
}
if [ -n "$joco_skip" ]; then
  :
elif [ ! -f "$joco_project/runbook/run.ts" ]; then
  echo "joco: no suggestion: the joco-finetune folder $joco_project has moved or gone; run \\\`${reinstall}\\\` from where it is now (or delete $0)" >&2
elif [ ! -f "$joco_project/node_modules/tsx/dist/loader.mjs" ]; then
  echo "joco: no suggestion: $joco_project has no node_modules; run \\\`npm ci\\\` there" >&2
else
  [ -x "$joco_node" ] || joco_node=$(command -v node) || joco_node=
  if [ -z "$joco_node" ]; then
    echo "joco: no suggestion: node is not on PATH" >&2
  else
    joco_repo=$(pwd)
    (joco_run ${name} --repo "$joco_repo" -- "$@") || true
  fi
fi
joco_previous="$0${PREVIOUS_SUFFIX}"
if [ -x "$joco_previous" ]; then exec "$joco_previous" "$@"; fi
exit 0
`;
}

export const isOurHook = (text: string) => text.split("\n", 3).some((line) => line.startsWith(HOOK_MARKER));
