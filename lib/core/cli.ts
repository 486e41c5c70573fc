import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs, type ParseArgsConfig } from "node:util";
import type { z } from "zod";
import { UsageError } from "./errors.js";

/** True when this module is the script node/tsx was started with, so a cell file both runs and imports. */
export function isMain(importMetaUrl: string): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(fileURLToPath(importMetaUrl)) === realpathSync(script);
  } catch {
    return false;
  }
}

/** Flags that every cell and run.ts accept. */
export interface RunbookFlags {
  config?: string;
  force: boolean;
  dryRun: boolean;
  help: boolean;
  from?: string;
  only?: string[];
}

export const RUNBOOK_FLAGS: { flag: string; description: string }[] = [
  { flag: "--config FILE", description: "JSON deep-merged over the defaults (default: joco.config.json if present)" },
  { flag: "--from NN", description: "start at cell NN (with a cell file: run NN … this cell)" },
  { flag: "--only NN", description: "run only cell NN (repeatable)" },
  { flag: "--force", description: "run selected cells even when done" },
  { flag: "--dry-run", description: "print what would run and why, change nothing" },
  { flag: "--help", description: "show this help" },
];

interface OptionField {
  name: string;
  flag: string;
  kind: "boolean" | "number" | "string" | "enum" | "array";
  values?: readonly string[];
  description: string;
  defaultValue: unknown;
}

/** Reads a zod object's fields the way a CLI needs them: kind, default, description. */
export function optionFields(schema: z.ZodObject): OptionField[] {
  return Object.entries(schema.shape).map(([name, field]) => {
    let inner = field as z.ZodType;
    let defaultValue: unknown;
    const description = inner.description ?? "";
    for (;;) {
      const def = inner.def as { type: string; innerType?: z.ZodType; defaultValue?: unknown };
      if (def.type === "default" || def.type === "prefault") defaultValue = def.defaultValue;
      if (!def.innerType) break;
      inner = def.innerType;
    }
    const type = inner.def.type;
    const kind =
      type === "boolean" ? "boolean" : type === "number" ? "number" : type === "enum" ? "enum" : type === "array" ? "array" : "string";
    const values = kind === "enum" ? (inner as z.ZodEnum).options.map(String) : undefined;
    return { name, flag: kebab(name), kind, values, description: inner.description ?? description, defaultValue };
  });
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

const RUNBOOK_SPEC: ParseArgsConfig["options"] = {
  config: { type: "string" },
  force: { type: "boolean" },
  "dry-run": { type: "boolean" },
  help: { type: "boolean", short: "h" },
  from: { type: "string" },
  only: { type: "string", multiple: true },
};

type ParsedValues = ReturnType<typeof parseArgs>["values"];

/** The parseArgs entries of a schema's options, each flag behind `prefix` (`train.` on run.ts, none on a cell). */
function specOf(fields: OptionField[], prefix: string): ParseArgsConfig["options"] {
  return Object.fromEntries(
    fields.map((field) => [`${prefix}${field.flag}`, { type: field.kind === "boolean" ? ("boolean" as const) : ("string" as const), multiple: field.kind === "array" }]),
  );
}

/** The typed options out of the parsed flags, validated by the schema; errors name the flag as it was typed. */
function optionsFrom<T extends z.ZodObject>(schema: T, values: ParsedValues, prefix: string): z.output<T> {
  const raw: Record<string, unknown> = {};
  for (const field of optionFields(schema)) {
    const value = values[`${prefix}${field.flag}`];
    if (value === undefined) continue;
    raw[field.name] = field.kind === "number" ? Number(value) : value;
  }
  const options = schema.safeParse(raw);
  if (!options.success) {
    const problems = options.error.issues.map((i) => `--${prefix}${kebab(String(i.path[0] ?? ""))}: ${i.message}`);
    throw new UsageError(problems.join("\n"), "Run with --help to see the options.");
  }
  return options.data;
}

function parseStrict(argv: string[], spec: ParseArgsConfig["options"]) {
  try {
    return parseArgs({ args: argv, options: spec, allowPositionals: true, allowNegative: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message, "Run with --help to see the options.");
  }
}

/** argv → runbook flags, the cell's typed options (validated by its schema) and positionals. */
export function parseCellArgv<T extends z.ZodObject>(
  schema: T,
  argv: string[],
): { flags: RunbookFlags; options: z.output<T>; args: string[] } {
  const { values, positionals } = parseStrict(argv, { ...RUNBOOK_SPEC, ...specOf(optionFields(schema), "") });
  return { flags: flagsFrom(values), options: optionsFrom(schema, values, ""), args: positionals };
}

/** `train` for 05-train: the namespace of a cell's options on run.ts (`--train.allow-cpu`). */
export const cellNamespace = (cellId: string) => cellId.replace(/^\d\d-/, "");

/**
 * run.ts argv → runbook flags and every cell's options, each given as
 * `--<cell>.<option>` (`--train.allow-cpu`, `--extract.max 50`, `--no-train.resume`):
 * one command line can reach any cell, and no two cells' options collide.
 */
export function parseRunbookArgv(
  cells: { id: string; options: z.ZodObject }[],
  argv: string[],
): { flags: RunbookFlags; optionsByCell: Map<string, unknown>; args: string[] } {
  const spec = { ...RUNBOOK_SPEC };
  for (const cell of cells) Object.assign(spec, specOf(optionFields(cell.options), `${cellNamespace(cell.id)}.`));
  const unknown = /^Unknown option '--(?:no-)?([^']+)'/;
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: spec, allowPositionals: true, allowNegative: true, strict: true });
  } catch (error) {
    const name = unknown.exec((error as Error).message)?.[1];
    const owners = name ? cells.filter((cell) => optionFields(cell.options).some((field) => field.flag === name)) : [];
    const hint = owners.length
      ? `Cell options take the cell's name on run.ts: ${owners.map((cell) => `--${cellNamespace(cell.id)}.${name}`).join(" or ")} (see --help).`
      : "Run with --help to see the options.";
    throw new UsageError((error as Error).message, hint);
  }
  const optionsByCell = new Map(cells.map((cell) => [cell.id, optionsFrom(cell.options, parsed.values, `${cellNamespace(cell.id)}.`)] as const));
  return { flags: flagsFrom(parsed.values), optionsByCell, args: parsed.positionals };
}

function flagsFrom(values: ParsedValues): RunbookFlags {
  const flags: RunbookFlags = {
    config: values.config as string | undefined,
    force: values.force === true,
    dryRun: values["dry-run"] === true,
    help: values.help === true,
    from: values.from as string | undefined,
    only: values.only as string[] | undefined,
  };
  return flags;
}

/** Help generated from the option schema, in the spirit of citty's `defineCommand`; `prefix` as in parseRunbookArgv. */
export function formatOptionsHelp(schema: z.ZodObject, prefix = ""): string[] {
  return optionFields(schema).map((field) => {
    const name = `${prefix}${field.flag}`;
    const flag = field.kind === "boolean" ? `--${name}` : `--${name} ${field.values ? field.values.join("|") : field.kind.toUpperCase()}`;
    const fallback = field.defaultValue === undefined ? "" : ` (default: ${JSON.stringify(field.defaultValue)})`;
    return `  ${flag.padEnd(28)} ${field.description}${fallback}`;
  });
}
