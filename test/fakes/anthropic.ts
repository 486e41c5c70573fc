// A fake Anthropic Messages API for tests: the real @anthropic-ai/sdk client is
// pointed at it (`baseURL: fake.url`). Replies are scripted per request and
// typed against the SDK's own response types, so a shape drift in the SDK
// breaks the typecheck here instead of silently passing.
import type { ServerResponse } from "node:http";
import type {
  ContentBlock,
  Message,
  MessageCreateParamsNonStreaming,
  StopReason,
  Usage,
} from "@anthropic-ai/sdk/resources/messages";
import type { MessageBatchResult } from "@anthropic-ai/sdk/resources/messages/batches";
import type { ErrorResponse, ErrorType } from "@anthropic-ai/sdk/resources/shared";
import { createBatchRoutes, type FakeBatch } from "./anthropic-batches.ts";
import { sendJson, sendRaw, sleep, startServer, type FakeServer, type RecordedRequest } from "./http.ts";

export type { FakeBatch } from "./anthropic-batches.ts";

/** The request body as the SDK sends it (`output_config.format` arrives without its `parse`). */
export type MessagesRequest = MessageCreateParamsNonStreaming;

export type AnthropicFault = { headers?: Record<string, string> } & (
  | { kind: "rate_limit"; retryAfterSeconds?: number; retryAfterMs?: number } // 429
  | { kind: "overloaded" } // 529 overloaded_error
  | { kind: "api_error" } // 500 api_error
  | { kind: "malformed" } // 200, application/json, truncated body
  | { kind: "error"; status: number; type: ErrorType; message?: string }
);

export interface AnthropicReply {
  text?: string;
  /** Serialized as the text block: how structured output (`output_config.format`) arrives. */
  json?: unknown;
  /** Raw content blocks (e.g. tool_use); wins over text/json. */
  content?: ContentBlock[];
  stopReason?: StopReason;
  usage?: Partial<Usage>;
  delayMs?: number;
  fault?: AnthropicFault;
}

/** `index` counts POST /v1/messages calls from 0, retries included; in a batch it is the position. */
export type AnthropicRespond = (
  request: MessagesRequest,
  index: number,
) => string | AnthropicReply | Promise<string | AnthropicReply>;

export interface FakeAnthropicOptions {
  /** Default: every request gets the text "ok". */
  respond?: AnthropicRespond;
  /** Added before every /v1/messages answer. */
  latencyMs?: number;
  /** When set, a request without this key (x-api-key or Bearer) gets 401 authentication_error. */
  apiKey?: string;
  /** Batch retrieves that answer `in_progress` before `ended` (default 1). */
  pollsUntilEnded?: number;
  /** Replies for batch requests; defaults to `respond`. */
  batchRespond?: AnthropicRespond;
}

export interface FakeAnthropic extends FakeServer {
  /** POST /v1/messages requests only, in arrival order. */
  messageRequests(): RecordedRequest[];
  batches: Map<string, FakeBatch>;
}

/** The key a request carried: SDK 1.14 sends `apiKey` as `Authorization: Bearer`, not `x-api-key`. */
export function apiKeyOf(req: RecordedRequest): string | undefined {
  const xKey = req.headers["x-api-key"];
  if (typeof xKey === "string") return xKey;
  const auth = req.headers.authorization;
  return auth?.startsWith("Bearer ") ? auth.slice("Bearer ".length) : undefined;
}

let requestIds = 0;
const nextRequestId = () => `req_fake${String(++requestIds).padStart(8, "0")}`;

export function errorEnvelope(type: ErrorType, message: string): ErrorResponse {
  return { type: "error", error: { type, message } as ErrorResponse["error"], request_id: nextRequestId() };
}

function sendError(res: ServerResponse, status: number, type: ErrorType, message: string, headers: Record<string, string> = {}) {
  const envelope = errorEnvelope(type, message);
  sendJson(res, status, envelope, { "request-id": envelope.request_id ?? "", ...headers });
}

function sendFault(res: ServerResponse, fault: AnthropicFault): void {
  const headers = { ...fault.headers };
  switch (fault.kind) {
    case "rate_limit":
      if (fault.retryAfterSeconds !== undefined) headers["retry-after"] = String(fault.retryAfterSeconds);
      if (fault.retryAfterMs !== undefined) headers["retry-after-ms"] = String(fault.retryAfterMs);
      return sendError(res, 429, "rate_limit_error", "Number of request tokens has exceeded your rate limit.", headers);
    case "overloaded":
      return sendError(res, 529, "overloaded_error", "Overloaded", headers);
    case "api_error":
      return sendError(res, 500, "api_error", "Internal server error", headers);
    case "malformed":
      return sendRaw(res, 200, "application/json", '{"id":"msg_fake","type":"message","content":[{"type":"te');
    case "error":
      return sendError(res, fault.status, fault.type, fault.message ?? fault.type, headers);
  }
}

const approxTokens = (s: string) => Math.max(1, Math.ceil(s.length / 4));
let messageIds = 0;

export function buildMessage(request: MessagesRequest, reply: AnthropicReply, serviceTier: Usage["service_tier"] = "standard"): Message {
  const text = reply.text ?? (reply.json !== undefined ? JSON.stringify(reply.json) : "");
  const content: ContentBlock[] = reply.content ?? [{ type: "text", text, citations: null }];
  const usage: Usage = {
    input_tokens: approxTokens(JSON.stringify(request.messages ?? []) + JSON.stringify(request.system ?? "")),
    output_tokens: approxTokens(JSON.stringify(content)),
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation: null,
    inference_geo: null,
    output_tokens_details: null,
    server_tool_use: null,
    service_tier: serviceTier,
    speed: null,
    ...reply.usage,
  };
  return {
    id: `msg_fake${String(++messageIds).padStart(8, "0")}`,
    type: "message",
    role: "assistant",
    model: request.model,
    content,
    stop_reason: reply.stopReason ?? (content.some((b) => b.type === "tool_use") ? "tool_use" : "end_turn"),
    stop_sequence: null,
    stop_details: null,
    container: null,
    diagnostics: null,
    usage,
  };
}

// A batch has no HTTP status per request: a fault becomes an `errored` result of the same error type.
function faultErrorType(fault: AnthropicFault): ErrorType {
  if (fault.kind === "error") return fault.type;
  if (fault.kind === "rate_limit") return "rate_limit_error";
  return fault.kind === "overloaded" ? "overloaded_error" : "api_error";
}

const normalize = (r: string | AnthropicReply): AnthropicReply => (typeof r === "string" ? { text: r } : r);

export async function startFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  const respond: AnthropicRespond = options.respond ?? (() => "ok");
  const batchRespond = options.batchRespond ?? respond;
  let messageCount = 0;

  const batchRoutes = createBatchRoutes({
    baseUrl: () => server.url,
    pollsUntilEnded: options.pollsUntilEnded ?? 1,
    sendError: (res, status, type, message) => sendError(res, status, type, message),
    run: async (params, index): Promise<MessageBatchResult> => {
      const reply = normalize(await batchRespond(params, index));
      if (!reply.fault) return { type: "succeeded", message: buildMessage(params, reply, "batch") };
      return { type: "errored", error: errorEnvelope(faultErrorType(reply.fault), `fake batch fault: ${reply.fault.kind}`) };
    },
  });

  const server = await startServer(async (req, res) => {
    if (options.apiKey !== undefined && apiKeyOf(req) !== options.apiKey) {
      return sendError(res, 401, "authentication_error", "invalid x-api-key");
    }
    if (await batchRoutes.handle(req, res)) return;
    if (req.method !== "POST" || req.path !== "/v1/messages") {
      return sendError(res, 404, "not_found_error", `${req.method} ${req.path} not found`);
    }
    const body = req.body as MessagesRequest | undefined;
    if (!body || typeof body.model !== "string" || typeof body.max_tokens !== "number" || !Array.isArray(body.messages)) {
      return sendError(res, 400, "invalid_request_error", "model, max_tokens and messages are required");
    }
    if ((body as { stream?: boolean }).stream) {
      return sendError(res, 400, "invalid_request_error", "fake: streaming is not implemented");
    }
    const reply = normalize(await respond(body, messageCount++));
    const delay = (options.latencyMs ?? 0) + (reply.delayMs ?? 0);
    if (delay > 0) await sleep(delay);
    if (reply.fault) return sendFault(res, reply.fault);
    sendJson(res, 200, buildMessage(body, reply), { "request-id": nextRequestId() });
  });

  // The server object keeps its live getters (inFlight, maxInFlight); the protocol parts are added to it.
  return Object.assign(server, {
    messageRequests: () => server.requests.filter((r) => r.method === "POST" && r.path === "/v1/messages"),
    batches: batchRoutes.batches,
  });
}
