"""What the GGUF tests share: llama.cpp's converter found as export.py finds it, a GGUF's
metadata read back, one generation in the embedded llama.cpp (node-llama-cpp) — the
runtime cell 06's parity check and the llama-cpp serving backend load the file with — and
that parity check itself (lib/export/parity.ts, run with tsx).
Standard library at import time; each probe says why it cannot run instead of failing.
"""
from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

from llama_tools import BUNDLE, LlamaCpp, cache_dir, extract_bundle, find_llama_cpp

ROOT = Path(__file__).resolve().parent.parent
NODE_LLAMA_CPP = ROOT / "node_modules" / "node-llama-cpp" / "dist" / "index.js"
TSX = ROOT / "node_modules" / ".bin" / "tsx"
PARITY = ROOT / "lib" / "export" / "parity.ts"
CONVERTER_NEEDS = ("torch", "sentencepiece", "numpy")


def converter_or_reason() -> tuple[LlamaCpp | None, str | None]:
    """LLAMA_CPP_DIR, else node-llama-cpp's bundle extracted once to ~/.cache/joco (llama_tools.py)."""
    missing = [m for m in CONVERTER_NEEDS if importlib.util.find_spec(m) is None]
    if missing:
        return None, f"llama.cpp's converter needs {', '.join(missing)} in this Python (npm run setup:python)"
    llama = find_llama_cpp()
    if llama.converter is None:
        return None, "llama.cpp's converter was found nowhere (set LLAMA_CPP_DIR, or `npm ci` for node-llama-cpp's bundle): " + "; ".join(llama.notes)
    return llama, None


def gguf_fields(path: str | Path, keys: tuple[str, ...]) -> dict:
    """The named metadata of a GGUF; pip's gguf reads it, else the bundle's own gguf-py."""
    if importlib.util.find_spec("gguf") is None:
        root, _ = extract_bundle(BUNDLE, cache_dir())
        sys.path.append(str(root / "gguf-py"))
    from gguf import GGUFReader

    fields = GGUFReader(str(path)).fields
    return {key: fields[key].contents() if key in fields else None for key in keys}


def node_llama_cpp_or_reason() -> str | None:
    if not NODE_LLAMA_CPP.is_file():
        return f"{NODE_LLAMA_CPP.relative_to(ROOT)} is missing: run `npm ci` to load the GGUF in the embedded llama.cpp"
    if shutil.which("node") is None:
        return "node is not on PATH: it runs the embedded llama.cpp (node-llama-cpp)"
    if not TSX.is_file():
        return f"{TSX.relative_to(ROOT)} is missing: run `npm ci`"
    return None


GENERATE = """\
const {{ getLlama, LlamaCompletion }} = await import({module});
const llama = await getLlama({{ gpu: false, build: "never" }});
const model = await llama.loadModel({{ modelPath: process.argv[2] }});
const context = await model.createContext({{ contextSize: 256, threads: Number(process.env.JOCO_LLAMA_THREADS || 0) || undefined }});
const completion = new LlamaCompletion({{ contextSequence: context.getSequence() }});
const text = await completion.generateCompletion(process.argv[3], {{ maxTokens: Number(process.argv[4]), temperature: 0 }});
console.log(JSON.stringify({{ text, tokens: model.tokenize(text).length, architecture: model.fileInfo.metadata.general.architecture }}));
await llama.dispose();
"""


def generate_with_node_llama_cpp(gguf_path: str | Path, folder: Path, prompt: str = "### Response:\n", max_tokens: int = 4) -> dict:
    """Loads the GGUF in node-llama-cpp's prebuilt CPU runtime and generates greedily:
    {text, tokens, architecture}. Raises with the end of node's stderr when it fails."""
    script = folder / "generate.mjs"
    script.write_text(GENERATE.format(module=json.dumps(str(NODE_LLAMA_CPP))), encoding="utf-8")
    result = subprocess.run(["node", str(script), str(gguf_path), prompt, str(max_tokens)], capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise RuntimeError(f"node-llama-cpp could not load or run {gguf_path}: {result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


CHECK_PARITY = """\
import {{ checkExportParity }} from {module};
const results = await checkExportParity(JSON.parse(process.argv[2]), process.argv[3]);
console.log(JSON.stringify(results.map(({{ prompts, ...result }}) => ({{ ...result, got: prompts.map((p) => p.got) }}))));
process.exit(0);
"""


def export_parity(files: dict[str, str], reference: str | Path, folder: Path) -> list[dict]:
    """Cell 06's own check of export.py's `done` (files, reference.json): each GGUF's greedy tokens in
    the embedded llama.cpp against the merged model's; raises with its message when an exact one differs."""
    script = folder / "parity.mts"
    script.write_text(CHECK_PARITY.format(module=json.dumps(str(PARITY))), encoding="utf-8")
    result = subprocess.run([str(TSX), str(script), json.dumps(files), str(reference)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise AssertionError(f"06's parity check failed: {result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])
