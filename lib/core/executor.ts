import { resolve } from "node:path";
import type { AnyCell, CellContext } from "./cell.js";
import { type CellRecord, fingerprintOf, readCheckpoints, updateCellRecord } from "./checkpoints.js";
import { InterruptedError, RunbookError, errorMessage } from "./errors.js";
import { recordOuts } from "./outs.js";
import { currentInputs, outputProblems } from "./pipeline.js";

export type CellOutcome = "done" | "failed" | "interrupted";

export interface ExecuteOptions {
  root: string;
  config: unknown;
  options: unknown;
  args: string[];
  force: boolean;
  log: (line?: string) => void;
  /** Aborted by the entry point on Ctrl-C. */
  signal: AbortSignal;
}

const now = () => new Date().toISOString();

/**
 * Runs one cell and records it: preconditions first (all of them, so the user
 * sees every problem at once), then `running` with our pid, then `done` with
 * the fingerprint and outputs, or `failed` / `interrupted` with error and hint.
 * A cell is never marked done unless `run` returned outputs that match its schema.
 */
export async function executeCell(cell: AnyCell, env: ExecuteOptions): Promise<{ outcome: CellOutcome; record: CellRecord }> {
  const { root, config, options } = env;
  const path = (...segments: string[]) => resolve(root, ...segments);
  const checkpoints = await readCheckpoints(root);
  const previous = checkpoints.cells[cell.id];

  const problems = await checkPreconditions(cell, { config, options, root, path }, checkpoints.cells);
  if (problems.length) {
    const record = await updateCellRecord(root, cell.id, (prev) => ({
      ...carryOver(prev),
      status: "failed",
      endedAt: now(),
      error: `preconditions not met: ${problems.map((p) => `${p.name} (${p.detail})`).join("; ")}`,
      hint: problems.map((p) => p.hint).join(" "),
    }));
    return { outcome: "failed", record };
  }

  const inputs = currentInputs(cell, config, checkpoints, options);
  const startedAt = now();
  const started = Date.now();
  let state = { ...(previous?.state ?? {}) };
  await updateCellRecord(root, cell.id, () => ({ status: "running", startedAt, pid: process.pid, state }));

  const context: CellContext<unknown, unknown> = {
    config,
    options,
    root,
    path,
    signal: env.signal,
    force: env.force,
    args: env.args,
    log: env.log,
    upstream: (id) => checkpoints.cells[id]?.outputs,
    state: {
      get: () => state,
      save: async (patch) => {
        state = { ...state, ...patch };
        await updateCellRecord(root, cell.id, (prev) => ({ ...(prev ?? { status: "running" }), state }));
      },
    },
  };

  const finish = (patch: Omit<CellRecord, "startedAt" | "endedAt" | "durationMs">) =>
    updateCellRecord(root, cell.id, () => ({ startedAt, endedAt: now(), durationMs: Date.now() - started, state, ...patch }));

  try {
    const raw = await cell.run(context);
    if (env.signal.aborted) throw new InterruptedError(String(env.signal.reason ?? "SIGINT"));
    const outputs = cell.outputs.safeParse(raw);
    if (!outputs.success) {
      throw new RunbookError(
        `${cell.id} returned outputs that do not match its schema: ${outputs.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
        "This is a bug in the cell; please report it with the output above.",
      );
    }
    const { outs, missing } = recordOuts(root, cell.outs?.(config, outputs.data) ?? []);
    if (missing.length) {
      throw new RunbookError(`${cell.id} finished without writing ${missing.join(", ")}`, "This is a bug in the cell (it declares outputs it did not write); please report it.");
    }
    const record = await finish({
      status: "done",
      fingerprint: fingerprintOf(inputs),
      inputs,
      outputs: outputs.data,
      ...(cell.outs ? { outs } : {}),
      summary: cell.summarize(outputs.data),
    });
    return { outcome: "done", record };
  } catch (error) {
    const interrupted = env.signal.aborted || error instanceof InterruptedError;
    const hint =
      error instanceof RunbookError && error.hint
        ? error.hint
        : interrupted
          ? "Re-run the same command to resume; finished items are kept."
          : `Fix the cause above, then re-run \`npx tsx runbook/${cell.id}.ts\` (finished items are kept).`;
    const record = await finish({ status: interrupted ? "interrupted" : "failed", error: errorMessage(error), hint });
    if (!interrupted && !(error instanceof RunbookError) && process.env.JOCO_DEBUG) env.log((error as Error).stack);
    return { outcome: interrupted ? "interrupted" : "failed", record };
  }
}

/** In-cell resume state (a batch id, a cursor) survives a failed attempt. */
function carryOver(prev: CellRecord | undefined): Partial<CellRecord> {
  return prev?.state ? { state: prev.state } : {};
}

interface Problem {
  name: string;
  detail: string;
  hint: string;
}

async function checkPreconditions(
  cell: AnyCell,
  ctx: { config: unknown; options: unknown; root: string; path: (...s: string[]) => string },
  records: Record<string, CellRecord>,
): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const dep of cell.requires ?? cell.dependsOn.map((d) => d.id)) {
    const status = records[dep]?.status ?? "pending";
    const changed = status === "done" ? outputProblems(records[dep], ctx.root) : [];
    if (status !== "done" || changed.length) {
      const detail = changed.length ? `it was, but ${changed.join("; ")}` : `it is ${status}`;
      problems.push({ name: `${dep} done`, detail, hint: `Run \`npx tsx runbook/${dep}.ts\` first.` });
    }
  }
  for (const precondition of cell.preconditions) {
    let result: true | string;
    try {
      result = await precondition.check(ctx);
    } catch (error) {
      result = errorMessage(error);
    }
    if (result !== true) problems.push({ name: precondition.name, detail: result, hint: precondition.hint });
  }
  return problems;
}
