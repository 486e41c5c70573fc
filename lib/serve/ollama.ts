import type { Ollama } from "ollama";

/** The ollama client does not read OLLAMA_HOST itself; we pass it on (it accepts `host:port`, `:port` or a URL). */
export function ollamaHost(): string {
  return process.env.OLLAMA_HOST || "http://127.0.0.1:11434";
}

/** Imported on first use so that cells that never talk to Ollama do not pay for loading the client. */
export async function createOllamaClient(host = ollamaHost()): Promise<Ollama> {
  const { Ollama } = await import("ollama");
  return new Ollama({ host });
}
