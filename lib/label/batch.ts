/**
 * `--batch`: the same labeling through the Message Batches API, at half the
 * price and on Anthropic's schedule (minutes to hours). The batch id is saved
 * in the cell's state (checkpoints.json) the moment the batch exists, so a run
 * that dies or is stopped while polling resumes that batch instead of paying
 * for a second one. Results go through the same validation as a direct answer.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { MessageBatch, MessageBatchResult } from "@anthropic-ai/sdk/resources/messages/batches";
import { z } from "zod";
import type { CellContext } from "../core/cell.js";
import { asRunStop, describeApiError } from "./anthropic.js";
import { type LabelCache, labelCacheKey } from "./cache.js";
import { emptyTally, type LabelTally, recordOutcome } from "./run.js";
import type { ClaudeLabeler, LabelOutcome } from "./labelers/index.js";
import type { RawDiff } from "../core/records.js";

const BatchStateSchema = z.object({ batch: z.object({ id: z.string(), submittedAt: z.string(), requests: z.number() }) });

export interface LabelInBatchesOptions {
  labeler: ClaudeLabeler;
  cache: LabelCache;
  pollIntervalMs: number;
  signal: AbortSignal;
  state: CellContext<unknown, unknown>["state"];
  log: (line: string) => void;
}

/** Labels the given diffs in Message Batches: the saved batch first, then one batch of whatever it did not cover. */
export async function labelInBatches(items: RawDiff[], options: LabelInBatchesOptions): Promise<LabelTally> {
  try {
    return await submitAndCollect(items, options);
  } catch (error) {
    throw options.signal.aborted ? error : await asRunStop(error, options.labeler.client);
  }
}

async function submitAndCollect(items: RawDiff[], options: LabelInBatchesOptions): Promise<LabelTally> {
  const { labeler, cache, signal, log } = options;
  const byKey = new Map(items.map((item) => [labelCacheKey(item, labeler), item]));
  const attempted = new Set<string>();
  const tally = emptyTally();
  let batchId = await savedBatch(options);
  for (;;) {
    if (!batchId) {
      const todo = [...byKey].filter(([key]) => !attempted.has(key) && !cache.get(key));
      if (todo.length === 0) break;
      const requests = todo.map(([key, item]) => ({ custom_id: key, params: labeler.requestFor(item) }));
      const batch = await labeler.client.messages.batches.create({ requests }, { signal });
      batchId = batch.id;
      await options.state.save({ batch: { id: batch.id, submittedAt: new Date().toISOString(), requests: requests.length } });
      log(`submitted Message Batch ${batch.id} with ${requests.length} requests (resumable: its id is in checkpoints.json)`);
    }
    await waitUntilEnded(batchId, options);
    for await (const { custom_id: key, result } of await labeler.client.messages.batches.results(batchId, {}, { signal })) {
      attempted.add(key);
      const item = byKey.get(key);
      // Labeled before a crash, or no longer in the dataset: nothing to do.
      if (!item || cache.get(key)) continue;
      const outcome: LabelOutcome =
        result.type === "succeeded"
          ? await labeler.labelFromAnswer(item, result.message, signal, { batch: true })
          : { status: "failed", error: `batch request ${describeBatchResult(result)}`, usage: null };
      await recordOutcome(tally, item, outcome, labeler, cache);
    }
    await options.state.save({ batch: null });
    batchId = undefined;
  }
  return tally;
}

/** The batch a previous run submitted, if the API still knows it. */
async function savedBatch({ state, labeler, log, signal }: LabelInBatchesOptions): Promise<string | undefined> {
  const saved = BatchStateSchema.safeParse(state.get());
  if (!saved.success) return undefined;
  const { id, submittedAt, requests } = saved.data.batch;
  try {
    await labeler.client.messages.batches.retrieve(id, {}, { signal });
  } catch (error) {
    if (signal.aborted) throw error;
    log(`the saved Message Batch ${id} cannot be read (${await describeApiError(error)}); submitting anew`);
    await state.save({ batch: null });
    return undefined;
  }
  log(`resuming Message Batch ${id} (${requests} requests, submitted ${submittedAt}): not submitted again`);
  return id;
}

async function waitUntilEnded(batchId: string, { labeler, pollIntervalMs, signal, log }: LabelInBatchesOptions): Promise<MessageBatch> {
  const started = Date.now();
  for (;;) {
    const batch = await labeler.client.messages.batches.retrieve(batchId, {}, { signal });
    const counts = batch.request_counts;
    const total = counts.processing + counts.succeeded + counts.errored + counts.canceled + counts.expired;
    const minutes = ((Date.now() - started) / 60_000).toFixed(1);
    log(
      `batch ${batchId}: ${batch.processing_status}, ${total - counts.processing}/${total} done ` +
        `(${counts.succeeded} succeeded, ${counts.errored} errored, ${counts.expired} expired) after ${minutes} min`,
    );
    if (batch.processing_status === "ended") return batch;
    await sleep(pollIntervalMs, undefined, { signal });
  }
}

function describeBatchResult(result: Exclude<MessageBatchResult, { type: "succeeded" }>): string {
  if (result.type !== "errored") return result.type;
  const { error } = result.error;
  return `errored: ${error.type}: ${error.message}`;
}
