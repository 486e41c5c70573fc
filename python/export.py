"""Cell 06's worker: merge the LoRA adapter into its base model and export it for Ollama.

    python export.py CONFIG.json

Routes, tried in this order (DESIGN §7), the first that works wins:
  unsloth    Unsloth's save_pretrained_gguf (export_unsloth.py); chosen by `auto` only for an
             adapter the unsloth backend trained, when unsloth imports and CUDA is there
  llama.cpp  merge with peft (export_merge.py) — or, for an adapter of the mlx backend, fuse it
             with mlx-lm, de-quantized (export_mlx.py) — then llama.cpp's convert_hf_to_gguf.py and
             llama-quantize (export_gguf.py), found or built by llama_tools.py: LLAMA_CPP_DIR,
             node-llama-cpp's bundled llama.cpp tree, pip, PATH
  ollama     the merged 16-bit safetensors folder, with a top-level rope_theta; Ollama converts
             and quantizes it on import (`ollama create -q q4_K_M`, cell 07)
Before anything is written the tokenizer's chat_template becomes the training frame, so that
nothing downstream can detect ChatML from it.

Config keys: REQUIRED_KEYS, and optionally mergeBase, maxSeqLength, loadIn4bit, llamaBundle (a
gitRelease.bundle), buildQuantizer (build llama-quantize when a k-quant needs it), buildJobs,
alsoWrite (["f16", "q8_0"]: converter-made GGUFs beside the asked one, for the parity check),
reference ({prompts, maxNewTokens, dtype}: greedy.py's generations of the merged model,
written to <outputDir>/reference.json). quantization "auto" is q4_k_m where it can be made, else q8_0.

Progress is one JSON object a line on stdout (export_events.py): start, step, done (`merged` says
how the 16-bit model was made), error (with a hint). Tools' own output goes to stderr. Standard
library only at import time.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from export_events import emit
from export_gguf import export_with_llama_cpp, gguf_name  # noqa: F401 — gguf_name: part of this module's surface
from export_merge import merge_to_16bit, restore_rope_theta
from export_mlx import MLX_HINT, mlx_unavailable
from export_plan import (  # noqa: F401 — re-exported for the tests and lib/export.ts' contract
    CONVERTER_OUTTYPES, LLAMA_CPP_TYPES, OLLAMA_QUANTIZE, QUANTIZATIONS, ROUTES,
    first_line, hint_for, no_route_hint, plan_routes, resolve_quantization, why_not_llama_cpp, why_not_ollama, why_not_unsloth,
)
from export_unsloth import export_with_unsloth
from llama_build import missing_build_tools
from llama_tools import BUNDLE, LlamaCpp, find_llama_cpp

REQUIRED_KEYS = ("adapter", "baseModel", "outputDir", "mergedDir", "quantization", "route", "instruction")


def read_config(path: str) -> dict:
    config = json.loads(Path(path).read_text(encoding="utf-8"))
    missing = [k for k in REQUIRED_KEYS if k not in config]
    if missing:
        raise ValueError(f"{path}: missing keys {', '.join(missing)}")
    if config["quantization"] not in QUANTIZATIONS:
        raise ValueError(f"{path}: quantization {config['quantization']!r} is not one of {', '.join(QUANTIZATIONS)}")
    if config["route"] not in ("auto", *ROUTES):
        raise ValueError(f"{path}: route {config['route']!r} is not auto or one of {', '.join(ROUTES)}")
    return config


def export_for_ollama(config: dict, _llama: LlamaCpp, cache: dict) -> dict:
    merged, eos = merge_to_16bit(config, cache)
    restore_rope_theta(merged)  # else Ollama's converter writes freq_base 0
    return {"format": "safetensors", "path": merged, "eos_token": eos, "ollama_quantize": OLLAMA_QUANTIZE[config["quantization"]]}


RUNNERS = {"unsloth": export_with_unsloth, "llama.cpp": export_with_llama_cpp, "ollama": export_for_ollama}


def plan(config: dict) -> tuple[list[str], dict[str, str], str, LlamaCpp]:
    """Probes only the candidate routes: asked for `ollama`, nothing is extracted or imported."""
    requested = config["route"]
    candidates = ROUTES if requested == "auto" else (requested,)
    llama = LlamaCpp(None, None)
    if "llama.cpp" in candidates:
        llama = find_llama_cpp(bundle=Path(config["llamaBundle"]) if config.get("llamaBundle") else BUNDLE)
    why_not: dict[str, str | None] = {}
    if "unsloth" in candidates:
        why_not["unsloth"] = why_not_unsloth(config["adapter"], requested == "unsloth")
    can_build = bool(config.get("buildQuantizer") and llama.bundle and not missing_build_tools())
    unsloth_ok = "unsloth" in candidates and why_not["unsloth"] is None
    quantization = resolve_quantization(config["quantization"], bool(llama.quantizer) or can_build or unsloth_ok)
    if "llama.cpp" in candidates:
        why_not["llama.cpp"] = why_not_llama_cpp(quantization, llama.converter and llama.converter.source, llama.quantizer, can_build)
    if "ollama" in candidates:
        why_not["ollama"] = why_not_ollama(quantization)
    routes, skipped = plan_routes(requested, why_not)
    return routes, skipped, quantization, llama


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        emit("error", message="usage: export.py CONFIG.json", hint="Run it through cell 06: npx tsx runbook/06-export.ts")
        return 2
    try:
        config = read_config(argv[0])
    except (OSError, ValueError) as error:
        emit("error", message=str(error), hint="Re-run cell 06, which writes this file.")
        return 2
    unavailable = mlx_unavailable(config["adapter"])
    if unavailable:  # every route starts from the fused folder
        emit("error", message=unavailable, hint=MLX_HINT)
        return 1
    routes, skipped, quantization, llama = plan(config)
    emit("start", routes=routes, skipped=skipped, quantization=quantization,
         converter=llama.converter and llama.converter.source, quantizer=llama.quantizer, notes=list(llama.notes))
    if not routes:
        emit("error", message="no export route is available: " + "; ".join(f"{r}: {why}" for r, why in skipped.items()), hint=no_route_hint(quantization))
        return 1
    config = {**config, "quantization": quantization}
    cache: dict = {}
    failures: list[str] = []
    for route in routes:
        try:
            result = RUNNERS[route](config, llama, cache)
            if config.get("reference") and "reference" not in cache:
                merge_to_16bit(config, cache)  # the unsloth route merged on its own: the reference needs the peft merge
        except Exception as error:  # a route failing is why the next one exists
            failures.append(f"{route}: {first_line(error)}")
            emit("step", stage="fallback", route=route, message=f"{route} failed: {first_line(error)}")
            last = error
            continue
        why = "asked for by export.route" if config["route"] != "auto" else "the first of " + " → ".join(ROUTES) + " that worked"
        why += "".join(f"; {r} skipped: {reason}" for r, reason in skipped.items()) + "".join(f"; {f}" for f in failures)
        merged = "unsloth's own merge" if route == "unsloth" else cache.get("merge")
        emit("done", route=route, quantization=quantization, chat_template=True, why=why, merged=merged, reference=cache.get("reference"), **result)
        return 0
    emit("error", message="every export route failed: " + " | ".join(failures), hint=hint_for(last))
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
