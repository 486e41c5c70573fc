import type { Ollama } from "ollama";

/** The ollama client does not read OLLAMA_HOST itself; we pass it on (it accepts `host:port`, `:port` or a URL). */
export function ollamaHost(): string {
  return process.env.OLLAMA_HOST || "http://127.0.0.1:11434";
}

/**
 * Imported on first use so that cells that never talk to Ollama do not pay for loading the client.
 * `deadline` aborts every request of the client (ollama-js takes no signal for a non-streamed one): the hook's timeout.
 */
export async function createOllamaClient(host = ollamaHost(), deadline?: AbortSignal): Promise<Ollama> {
  const { Ollama } = await import("ollama");
  if (!deadline) return new Ollama({ host });
  const fetchUntil: typeof fetch = (input, init) =>
    fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline });
  return new Ollama({ host, fetch: fetchUntil });
}

/** Whether an Ollama answers at `host` within `timeoutMs`. */
export async function ollamaAnswers(host = ollamaHost(), timeoutMs = 3000): Promise<boolean> {
  try {
    await (await createOllamaClient(host, AbortSignal.timeout(timeoutMs))).version();
    return true;
  } catch {
    return false;
  }
}
