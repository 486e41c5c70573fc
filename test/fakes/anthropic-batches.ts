// Message Batches routes of the fake Anthropic API, on the paths
// @anthropic-ai/sdk 1.14 uses (resources/messages/batches). Results are
// computed at creation; the batch only *reports* progress as it is polled, so
// a test controls how long its code has to wait by counting polls, not time.
import type { ServerResponse } from "node:http";
import type {
  MessageBatch,
  MessageBatchIndividualResponse,
  MessageBatchResult,
} from "@anthropic-ai/sdk/resources/messages/batches";
import type { MessageCreateParamsNonStreaming } from "@anthropic-ai/sdk/resources/messages";
import { sendJson, sendRaw, type RecordedRequest } from "./http.ts";

export interface FakeBatch {
  batch: MessageBatch;
  requests: Array<{ custom_id: string; params: MessageCreateParamsNonStreaming }>;
  results: MessageBatchIndividualResponse[];
  /** How many times the batch has been retrieved (the SDK's results() retrieves too). */
  polls: number;
}

export interface BatchRouteDeps {
  baseUrl: () => string;
  /** Retrieves that still answer `in_progress` before the batch reports `ended`. */
  pollsUntilEnded: number;
  run: (params: MessageCreateParamsNonStreaming, index: number) => Promise<MessageBatchResult>;
  sendError: (res: ServerResponse, status: number, type: "invalid_request_error" | "not_found_error", message: string) => void;
}

const emptyCounts = () => ({ processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 });

export function createBatchRoutes(deps: BatchRouteDeps) {
  const batches = new Map<string, FakeBatch>();
  let counter = 0;

  function end(entry: FakeBatch): void {
    const b = entry.batch;
    if (b.processing_status === "canceling") {
      entry.results = entry.results.map((r) => ({ custom_id: r.custom_id, result: { type: "canceled" } }));
    }
    const counts = emptyCounts();
    for (const { result } of entry.results) counts[result.type] += 1;
    b.processing_status = "ended";
    b.request_counts = counts;
    b.ended_at = new Date().toISOString();
    b.results_url = `${deps.baseUrl()}/v1/messages/batches/${b.id}/results`;
  }

  async function create(req: RecordedRequest, res: ServerResponse): Promise<void> {
    const body = req.body as { requests?: FakeBatch["requests"] } | undefined;
    const requests = body?.requests;
    if (!Array.isArray(requests) || requests.length === 0) {
      return deps.sendError(res, 400, "invalid_request_error", "requests: must be a non-empty array");
    }
    const ids = new Set(requests.map((r) => r.custom_id));
    if (ids.size !== requests.length) {
      return deps.sendError(res, 400, "invalid_request_error", "requests: custom_id values must be unique");
    }
    const results: MessageBatchIndividualResponse[] = [];
    for (const [i, r] of requests.entries()) {
      results.push({ custom_id: r.custom_id, result: await deps.run(r.params, i) });
    }
    counter += 1;
    const now = new Date();
    const batch: MessageBatch = {
      id: `msgbatch_fake${String(counter).padStart(6, "0")}`,
      type: "message_batch",
      processing_status: "in_progress",
      request_counts: { ...emptyCounts(), processing: requests.length },
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + 24 * 3600_000).toISOString(),
      ended_at: null,
      archived_at: null,
      cancel_initiated_at: null,
      results_url: null,
    };
    batches.set(batch.id, { batch, requests, results, polls: 0 });
    sendJson(res, 200, batch);
  }

  /** Returns true when the request was a batches route. */
  async function handle(req: RecordedRequest, res: ServerResponse): Promise<boolean> {
    const m = /^\/v1\/messages\/batches(?:\/([^/]+)(?:\/(results|cancel))?)?$/.exec(req.path);
    if (!m) return false;
    const [, id, action] = m;
    if (!id) {
      if (req.method === "POST") await create(req, res);
      else if (req.method === "GET") {
        const data = [...batches.values()].map((b) => b.batch).reverse(); // newest first, as the API lists
        sendJson(res, 200, { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null });
      } else return false;
      return true;
    }
    const entry = batches.get(id);
    if (!entry) {
      deps.sendError(res, 404, "not_found_error", `message batch ${id} not found`);
      return true;
    }
    const b = entry.batch;
    if (action === undefined && req.method === "GET") {
      entry.polls += 1;
      if (b.processing_status !== "ended" && (entry.polls > deps.pollsUntilEnded || b.processing_status === "canceling")) {
        end(entry);
      }
      sendJson(res, 200, b);
    } else if (action === "cancel" && req.method === "POST") {
      if (b.processing_status === "in_progress") {
        b.processing_status = "canceling";
        b.cancel_initiated_at = new Date().toISOString();
      }
      sendJson(res, 200, b);
    } else if (action === "results" && req.method === "GET") {
      if (b.processing_status !== "ended") {
        deps.sendError(res, 400, "invalid_request_error", `message batch ${id} has not ended`);
      } else {
        const jsonl = entry.results.map((r) => JSON.stringify(r)).join("\n") + "\n";
        sendRaw(res, 200, "application/binary", jsonl);
      }
    } else return false;
    return true;
  }

  return { batches, handle };
}
