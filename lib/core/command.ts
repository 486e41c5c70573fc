/**
 * A command of run.ts beside running cells (`run.ts suggest`, `run.ts hook
 * install`): its own options, parsed and validated like a cell's, and the
 * loaded configuration. The runbook lists its commands; the engine knows none by name.
 */
import type { z } from "zod";
import { formatOptionsHelp, parseCellArgv } from "./cli.js";
import { loadConfig } from "./config.js";

export interface CommandContext<TConfig, TOptions> {
  config: TConfig;
  /** The configuration file merged over the defaults (--config, or joco.config.json found in `root`), absolute. */
  configFile: string | undefined;
  root: string;
  options: TOptions;
  /** Positional arguments (a sub-action, file names). */
  args: string[];
  log: (line?: string) => void;
}

export interface RunbookCommand<TConfig, TOptions extends z.ZodObject> {
  description: string;
  /** `suggest [--repo DIR]`: shown in `run.ts --help`. */
  usage: string;
  options: TOptions;
  /** Returns the exit code. */
  run: (ctx: CommandContext<TConfig, z.output<TOptions>>) => Promise<number>;
}

// A runbook holds commands of different option types; `any` is confined to these aliases.
/** A command that reads a configuration of type TConfig (or a slice of it), whatever its options. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CommandFor<TConfig> = RunbookCommand<TConfig, any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCommand = CommandFor<any>;

export function defineCommand<TConfig, TOptions extends z.ZodObject>(command: RunbookCommand<TConfig, TOptions>): RunbookCommand<TConfig, TOptions> {
  return command;
}

/** `run.ts NAME [options] [args]`: options parsed by the command's schema, then the configuration loaded as for a cell. */
export async function runCommand(command: AnyCommand, configSchema: z.ZodType, argv: string[], log: (line?: string) => void): Promise<number> {
  // Before parsing: --help must work when a required option is missing.
  const flagsEnd = argv.includes("--") ? argv.indexOf("--") : argv.length;
  if (argv.slice(0, flagsEnd).some((arg) => arg === "--help" || arg === "-h")) {
    log([`Usage: npx tsx runbook/run.ts ${command.usage}`, "", command.description, "", "Options:", ...formatOptionsHelp(command.options)].join("\n"));
    return 0;
  }
  const { flags, options, args } = parseCellArgv(command.options, argv);
  const root = process.cwd();
  const { config, file } = await loadConfig(configSchema, { root, file: flags.config });
  return command.run({ config, configFile: file, root, options, args, log });
}
