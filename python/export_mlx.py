"""The 16-bit folder for an adapter the mlx backend trained: mlx-lm's fuse with de-quantization
(mlx_fuse.py) in place of peft's merge, then what export_merge does for a peft merge — the
training frame as the tokenizer's chat_template, the tokenizer files, the reference generations —
so that the llama.cpp and ollama routes and 06's parity check take it from there unchanged.

An MLX adapter (adapters.safetensors over a 4-bit MLX base) is not a peft adapter: peft and
Unsloth cannot load it, and mlx-lm's own GGUF export rejects Qwen2. Standard library only at
import time: export.py checks for mlx before it plans anything.
"""
from __future__ import annotations

import contextlib
import importlib
import sys
from pathlib import Path
from typing import Callable

from export_events import emit
from export_plan import first_line, trained_with

MLX_MODULES = ("mlx.core", "mlx_lm")
MLX_HINT = ("Install the mlx set into the project's venv: npm run setup:python -- --with-mlx "
            "(on Linux it brings MLX's CPU backend, mlx-cpu), or set JOCO_PYTHON to a Python that has mlx-lm.")


def missing_mlx(importer: Callable[[str], object] = importlib.import_module) -> str | None:
    """Why mlx cannot fuse here, or None. Imported, not just found: mlx without its CPU
    backend on Linux (mlx-cpu) is installed and fails on `import mlx.core`."""
    for module in MLX_MODULES:
        try:
            importer(module)
        except Exception as error:  # noqa: BLE001 — whatever breaks the import rules the fuse out
            return f"{module} does not import ({type(error).__name__}: {first_line(error)})"
    return None


def mlx_unavailable(adapter: str | Path, importer: Callable[[str], object] = importlib.import_module) -> str | None:
    """None unless the adapter is the mlx backend's and this Python cannot fuse it."""
    if trained_with(adapter) != "mlx":
        return None
    why = missing_mlx(importer)
    return why and f"{adapter} was trained by the mlx backend, and its export fuses it with mlx-lm, but in {sys.executable} {why}"


def merge_description(fused: dict) -> str:
    return "mlx fuse (de-quantized)" if fused["dequantized"] else "mlx fuse (16-bit base)"


def fuse_mlx_to_16bit(config: dict, cache: dict) -> tuple[str, str]:
    """export_merge.merge_to_16bit for an mlx adapter; the base is the MLX model recorded beside
    it (joco-mlx.json): what the LoRA was trained against, de-quantized."""
    from transformers import AutoTokenizer

    from export_merge import embed_chat_template, set_chat_template, write_reference_of
    from mlx_fuse import fuse_to_hf

    adapter, merged = Path(config["adapter"]), Path(config["mergedDir"])
    emit("step", stage="merge", message=f"fusing {adapter} into its MLX base with mlx-lm, de-quantized to bfloat16")
    with contextlib.redirect_stdout(sys.stderr):  # stdout is export.py's event stream
        fused = fuse_to_hf(adapter, merged, dtype="bfloat16")
    emit("step", stage="merge", message=f"fused into {fused['base']}: {merge_description(fused)}")
    # backend_mlx saves the transformers tokenizer it trained with beside the adapter; it replaces
    # the copy mlx-lm wrote, with the training frame as its chat_template.
    tokenizer = AutoTokenizer.from_pretrained(str(adapter) if (adapter / "tokenizer_config.json").exists() else str(merged))
    eos = set_chat_template(tokenizer, config["instruction"])
    emit("step", stage="save", message=f"writing the tokenizer with the training frame into {merged}")
    tokenizer.save_pretrained(str(merged))
    embed_chat_template(merged, tokenizer.chat_template)
    if config.get("reference"):
        import torch
        from transformers import AutoModelForCausalLM

        model = AutoModelForCausalLM.from_pretrained(str(merged), dtype=torch.bfloat16)
        write_reference_of(model, tokenizer, config, merged, cache)
        del model
    cache["merge"] = merge_description(fused)
    cache["merged"] = (str(merged), eos)
    return cache["merged"]
