/**
 * Generation throughput of the embedded llama.cpp beside transformers', on the
 * same model and prompts (the rehearsal's, by default): prints tokens per
 * second for each. Figures, not assertions.
 *
 *   npx tsx bench/llama-throughput.ts [rehearsal]   (after `npm run rehearse`)
 */
import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { pythonInterpreter } from "../lib/core/python.js";
import { loadGguf } from "../lib/export/llama-cpp.js";
import { parityPrompts, readReference } from "../lib/export/parity.js";

const dir = resolve(process.argv[2] ?? "rehearsal");
const TOKENS = 48;
const prompts = await parityPrompts(join(dir, "dataset"), 8);
if (prompts.length === 0) throw new Error(`no dataset in ${dir}: run npm run rehearse first`);

const model = await loadGguf(join(dir, "joco-gguf/joco.Q8_0.gguf"));
await model.complete(prompts[0]!, { maxTokens: 4, temperature: 0, topP: 1, seed: 0, stop: [] });
let llamaTokens = 0;
const llamaStart = performance.now();
for (const prompt of prompts) llamaTokens += (await model.complete(prompt, { maxTokens: TOKENS, temperature: 0, topP: 1, seed: 0, stop: [] })).tokens.length;
const llamaSeconds = (performance.now() - llamaStart) / 1000;
await model.close();

const work = await mkdtemp(join(tmpdir(), "joco-throughput-"));
await writeFile(join(work, "prompts.json"), JSON.stringify({ prompts, maxNewTokens: TOKENS }));
const started = performance.now();
await promisify(execFile)(pythonInterpreter(), [resolve(import.meta.dirname, "../python/greedy.py"), join(dir, "joco-merged"), join(work, "prompts.json"), join(work, "out.json")], {
  env: { ...process.env, HF_HUB_OFFLINE: "1" },
});
const hfSeconds = (performance.now() - started) / 1000;
const hfTokens = (await readReference(join(work, "out.json"))).generations.reduce((sum, g) => sum + g.ids.length, 0);

console.log(`llama.cpp (Q8_0, embedded):   ${llamaTokens} tokens in ${llamaSeconds.toFixed(2)} s = ${(llamaTokens / llamaSeconds).toFixed(1)} tokens/s`);
console.log(`transformers (merged, fp32):  ${hfTokens} tokens in ${hfSeconds.toFixed(2)} s = ${(hfTokens / hfSeconds).toFixed(1)} tokens/s (process start and model load included)`);
