import type { z } from "zod";

/** A named check a cell runs before it starts; returns true, or a sentence saying what is wrong. */
export interface Precondition<TConfig, TOptions> {
  name: string;
  check: (ctx: PreconditionContext<TConfig, TOptions>) => Promise<true | string> | true | string;
  /** One line telling the user how to fix it. */
  hint: string;
}

export interface PreconditionContext<TConfig, TOptions> {
  config: TConfig;
  options: TOptions;
  root: string;
  path: (...segments: string[]) => string;
}

export interface CellContext<TConfig, TOptions> extends PreconditionContext<TConfig, TOptions> {
  /** Aborted on Ctrl-C: finish or drop the current item, keep what is done, then return or throw. */
  signal: AbortSignal;
  force: boolean;
  /** Positional arguments after the options (cells that take file names). */
  args: string[];
  log: (line?: string) => void;
  /** Outputs recorded by an upstream cell that is done. */
  upstream: (cellId: string) => unknown;
  /** Small resumable state kept in checkpoints.json across runs (a batch id, a cursor). */
  state: {
    get: () => Record<string, unknown>;
    save: (patch: Record<string, unknown>) => Promise<void>;
  };
}

export interface Subcommand<TConfig> {
  description: string;
  usage: string;
  run: (ctx: { config: TConfig; root: string; args: string[]; log: (line?: string) => void }) => Promise<void>;
}

export interface CellDefinition<TConfig, TOptions extends z.ZodObject, TOutputs extends z.ZodType> {
  /** `NN-name`, also the file name under runbook/. */
  id: string;
  title: string;
  /** Bump when the cell's logic changes what it writes: done runs become stale. */
  version: number;
  /** Upstream cells: their fingerprints enter this one's, so re-running them makes it stale. Imported, not named, so a cell run on its own knows its upstream. */
  dependsOn: readonly AnyCell[];
  /** Upstream cells that must be done before it starts (default: all of dependsOn). */
  requires?: string[];
  options: TOptions;
  /** What the cell reads: hashed into its fingerprint, shown key by key when it changes. */
  reads: (config: TConfig, options: z.output<TOptions>) => unknown;
  preconditions: Precondition<TConfig, z.output<TOptions>>[];
  outputs: TOutputs;
  /**
   * The files and folders the cell writes (relative to the project folder, or
   * absolute), recorded when it finishes like DVC's `outs`: one that goes
   * missing or changes makes the cell not done, so a run re-makes it.
   */
  outs?: (config: TConfig, outputs: z.output<TOutputs>) => string[];
  run: (ctx: CellContext<TConfig, z.output<TOptions>>) => Promise<z.output<TOutputs>>;
  /** One line for the status table. */
  summarize: (outputs: z.output<TOutputs>) => string;
  subcommands?: Record<string, Subcommand<TConfig>>;
}

// A pipeline holds cells of different option and output types; `any` is confined to this alias.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCell = CellDefinition<any, any, z.ZodType>;

export function defineCell<TConfig, TOptions extends z.ZodObject, TOutputs extends z.ZodType>(
  definition: CellDefinition<TConfig, TOptions, TOutputs>,
): CellDefinition<TConfig, TOptions, TOutputs> {
  if (!/^\d\d-[a-z0-9-]+$/.test(definition.id)) throw new Error(`Cell id ${definition.id} must look like "05-train"`);
  return definition;
}
