/**
 * The strict reading of "is this a Conventional Commit": commitlint with
 * `@commitlint/config-conventional`, loaded the way commitlint loads it
 * (DESIGN §6 `formatCompliance`). Re-exported by `conventional.ts`.
 */
import { createRequire } from "node:module";
import { dirname } from "node:path";
import type load from "@commitlint/load";
import type lint from "@commitlint/lint";

export interface LintResult {
  valid: boolean;
  /** `rule-name: message`, one per failed error-level rule. */
  errors: string[];
  /** `rule-name: message`, one per failed warning-level rule (they do not make a message invalid). */
  warnings: string[];
}

type LoadedConfig = Awaited<ReturnType<typeof load>>;
type ParserOpts = NonNullable<Parameters<typeof lint>[2]>["parserOpts"];

const CONFIG_CONVENTIONAL = "@commitlint/config-conventional";
/**
 * The package.json of config-conventional: it has no `commitlint` key, so naming
 * it as the config `file` makes `load` read no user configuration at all (no
 * search of cwd, its parents, or ~/.config), and its folder as `cwd` makes the
 * `extends` entry resolve from inside node_modules whatever process.cwd() is.
 */
const NEUTRAL_CONFIG_FILE = createRequire(import.meta.url).resolve(`${CONFIG_CONVENTIONAL}/package.json`);

const configCache = new Map<string, Promise<LoadedConfig>>();

/**
 * The commitlint configuration for `types`: config-conventional with `type-enum`
 * set to `types`. Loaded once per list (loading takes tens of milliseconds).
 */
export function loadCommitlintConfig(types: readonly string[]): Promise<LoadedConfig> {
  const key = JSON.stringify(types);
  let config = configCache.get(key);
  if (!config) {
    // Imported on first use: commitlint takes a third of a second to load, which a no-op runbook run should not pay.
    config = import("@commitlint/load").then(({ default: load }) =>
      load(
        { extends: [CONFIG_CONVENTIONAL], rules: { "type-enum": [2, "always", [...types]] } },
        { file: NEUTRAL_CONFIG_FILE, cwd: dirname(NEUTRAL_CONFIG_FILE) },
      ),
    );
    configCache.set(key, config);
    config.catch(() => configCache.delete(key));
  }
  return config;
}

/**
 * Lints one commit message with commitlint + config-conventional, `type-enum`
 * overridden to `types`, and `defaultIgnores: false` (commitlint otherwise waves
 * through `Merge …`, `Revert "…"`, `fixup! …`, `v1.2.3` whatever their form).
 * Empty or whitespace-only input is invalid (commitlint calls `""` valid and
 * throws on whitespace). Never throws for any message; a broken commitlint
 * install still throws.
 */
export async function lintCommitMessage(message: string, types: readonly string[]): Promise<LintResult> {
  if (message.trim() === "") {
    return { valid: false, errors: ["empty-message: the commit message is empty or whitespace only"], warnings: [] };
  }
  const config = await loadCommitlintConfig(types);
  const { default: lint } = await import("@commitlint/lint");
  let outcome: Awaited<ReturnType<typeof lint>>;
  try {
    outcome = await lint(message, config.rules, {
      parserOpts: config.parserPreset?.parserOpts as ParserOpts,
      plugins: config.plugins,
      defaultIgnores: false,
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { valid: false, errors: [`unparsable: commitlint could not parse the message (${reason})`], warnings: [] };
  }
  return {
    valid: outcome.valid,
    errors: outcome.errors.map((e) => `${e.name}: ${e.message}`),
    warnings: outcome.warnings.map((w) => `${w.name}: ${w.message}`),
  };
}
