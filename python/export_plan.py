"""Which export route export.py tries, in which order, and why the others are left out.

Standard library only: the probes take their imports as arguments, so the tests (and
`doctor`) run without torch, unsloth or llama.cpp.
"""
from __future__ import annotations

import importlib
import importlib.util
import json
import re
from pathlib import Path
from typing import Callable, Mapping

ROUTES = ("unsloth", "llama.cpp", "ollama")
# "auto": Q4_K_M where something can make it (llama-quantize, Unsloth), else Q8_0, which the converter writes itself.
QUANTIZATIONS = ("auto", "q4_k_m", "q5_k_m", "q8_0", "f16")
# llama-quantize's and GGUF files' spelling of each quantization.
LLAMA_CPP_TYPES = {"q4_k_m": "Q4_K_M", "q5_k_m": "Q5_K_M", "q8_0": "Q8_0", "f16": "F16"}
# What convert_hf_to_gguf.py --outtype writes directly; the k-quants need llama-quantize afterwards.
CONVERTER_OUTTYPES = {"q8_0": "q8_0", "f16": "f16"}
# What `ollama create -q` accepts; None: imported as converted (F16).
OLLAMA_QUANTIZE = {"q4_k_m": "q4_K_M", "q8_0": "q8_0", "f16": None}
TRAINING_RECORD = "joco-training.json"  # written beside the adapter by train.py


def trained_with(adapter: str | Path) -> str | None:
    """The backend that trained the adapter, from train.py's record; None when there is none."""
    try:
        return json.loads((Path(adapter) / TRAINING_RECORD).read_text(encoding="utf-8")).get("backend")
    except (OSError, ValueError, AttributeError):
        return None


def cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


def why_not_unsloth(
    adapter: str,
    requested: bool,
    find_spec: Callable[[str], object] = importlib.util.find_spec,
    cuda: Callable[[], bool] = cuda_available,
    importer: Callable[[str], object] = importlib.import_module,
) -> str | None:
    """None when the unsloth route can run. Installed is not enough: on a Linux box without a GPU,
    `import unsloth` raises "Unsloth cannot find any torch accelerator". Chosen by `auto` only
    for an adapter the unsloth backend trained; asked for by name, any peft adapter. Never for
    one of the mlx backend: Unsloth loads peft adapters only."""
    backend = trained_with(adapter)
    if backend == "mlx":
        return ("the adapter was trained by the mlx backend: an MLX adapter (adapters.safetensors) is not a peft adapter "
                "Unsloth can load; it is fused with mlx-lm and exported through llama.cpp or ollama")
    if not requested and backend != "unsloth":
        return f"the adapter was trained by the {backend} backend, not unsloth" if backend else f"the adapter has no {TRAINING_RECORD} saying unsloth trained it"
    if find_spec("unsloth") is None:
        return "unsloth is not installed"
    try:
        if not cuda():
            return "CUDA is not available (Unsloth needs an NVIDIA GPU)"
    except ImportError as error:
        return f"torch does not import ({error})"
    try:
        importer("unsloth")
    except Exception as error:  # noqa: BLE001 — whatever breaks the import rules the route out
        return f"unsloth does not import ({type(error).__name__}: {first_line(error)})"
    return None


def why_not_llama_cpp(quantization: str, converter: str | None, quantizer: str | None, can_build: bool,
                      find_spec: Callable[[str], object] = importlib.util.find_spec) -> str | None:
    if not converter:
        return "llama.cpp's convert_hf_to_gguf.py was found nowhere (LLAMA_CPP_DIR, node-llama-cpp's bundle, pip, PATH)"
    if find_spec("sentencepiece") is None:
        return "sentencepiece is not installed: llama.cpp's converter imports it even for Qwen2 (pip install sentencepiece)"
    if quantization not in CONVERTER_OUTTYPES and not quantizer and not can_build:
        return f"llama-quantize (needed for {quantization}) was found nowhere; buildQuantizer (06 --quantize) builds it from the bundle"
    return None


def why_not_ollama(quantization: str) -> str | None:
    return None if quantization in OLLAMA_QUANTIZE else f"Ollama cannot quantize to {quantization} on import (q4_k_m, q8_0 or f16)"


def resolve_quantization(requested: str, can_make_k_quants: bool) -> str:
    return requested if requested != "auto" else ("q4_k_m" if can_make_k_quants else "q8_0")


def plan_routes(requested: str, why_not: Mapping[str, str | None]) -> tuple[list[str], dict[str, str]]:
    """The routes to try, in order, and why each other candidate is not tried."""
    candidates = ROUTES if requested == "auto" else (requested,)
    routes = [r for r in candidates if not why_not.get(r)]
    skipped = {r: str(why_not[r]) for r in candidates if why_not.get(r)}
    return routes, skipped


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def no_route_hint(quantization: str) -> str:
    return (
        "Run `npm ci` (node-llama-cpp brings llama.cpp's converter) and install sentencepiece; for k-quants let 06 build "
        "llama-quantize (--quantize) or set LLAMA_CPP_DIR to a built llama.cpp; unsloth needs CUDA; "
        f"or use export.route \"ollama\" with a quantization Ollama makes (q4_k_m, q8_0, f16; not {quantization})."
    )


def hint_for(error: BaseException) -> str:
    text = str(error).lower()
    if "no space left" in text:
        return "Free disk space: merging writes ~3 GB of 16-bit weights and the GGUF beside them."
    if "out of memory" in text or isinstance(error, MemoryError):
        return "Merging a 1.5B model needs ~8 GB of RAM: close other programs or merge on a bigger machine."
    if "pre-tokenizer was not recognized" in text or re.search(r"bpe pre-tokenizer", text):
        return "llama.cpp's converter knows the tokenizer by a hash of its output: use the base model's own tokenizer files."
    if any(s in text for s in ("connection", "resolve", "offline", "couldn't connect", "403", "401")):
        return "The 16-bit base model must be downloadable (or cached): check the network and HF_TOKEN, or set export.mergeBase to a local copy."
    return "Read the message above; `--route ollama` needs neither Unsloth nor llama.cpp."
