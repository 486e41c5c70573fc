"""06-export's first step for an adapter of the mlx backend: fuse it into its base with
mlx-lm and de-quantize, into a 16-bit Hugging Face folder.

    python mlx_fuse.py --adapter joco-lora --out joco-merged [--base MLX_MODEL] [--dtype bfloat16|float16]

prints one JSON line: {"event": "done", "path", "base", "dtype", "dequantized"} or
{"event": "error", "message", "hint"}. The folder is what the hf route's peft merge
writes — config.json without `quantization`, model.safetensors, the tokenizer —
so the same llama.cpp converter route (convert_hf_to_gguf.py, llama-quantize) and
the same transformers parity check take it from there. mlx-lm's own GGUF export
(fuse --export-gguf) is not used: it accepts llama, mistral and mixtral only, not qwen2.

The base is the one recorded beside the adapter (joco-mlx.json, written by
backend_mlx.py): the 4-bit model the LoRA was trained against, so the fused weights
are that model's de-quantized weights plus the LoRA update — what was trained, as
it was trained (merging into the original 16-bit weights instead would serve a
slightly different base than the one the adapter learned to correct).
"""
from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import sys
from pathlib import Path

RECORD_FILE = "joco-mlx.json"
DTYPES = ("bfloat16", "float16")


def recorded_base(adapter: Path) -> str:
    for name, key in ((RECORD_FILE, "path"), ("adapter_config.json", "model")):
        path = adapter / name
        if path.is_file() and json.loads(path.read_text(encoding="utf-8")).get(key):
            return json.loads(path.read_text(encoding="utf-8"))[key]
    raise ValueError(f"{adapter} names no MLX base model ({RECORD_FILE} or adapter_config.json `model`): pass --base")


def apply_adapter(mx, model, adapter: Path) -> None:
    """mlx-lm's load(adapter_path=…) refuses weights that are not LoRA matrices, and an adapter
    trained with lora.modulesToSave carries whole modules: apply it as the trainer saved it,
    and refuse names the model does not have (a stale or foreign adapter)."""
    from mlx.utils import tree_flatten
    from mlx_lm.tuner.utils import linear_to_lora_layers

    settings = json.loads((adapter / "adapter_config.json").read_text(encoding="utf-8"))
    linear_to_lora_layers(model, settings["num_layers"], settings["lora_parameters"])
    weights = mx.load(str(adapter / "adapters.safetensors"))
    known = dict(tree_flatten(model.parameters()))
    unknown = [name for name, value in weights.items() if name not in known or known[name].shape != value.shape]
    if unknown:
        raise ValueError(f"{adapter}/adapters.safetensors does not fit the base model: {', '.join(unknown[:5])}")
    model.load_weights(list(weights.items()), strict=False)


def fuse_to_hf(adapter: str | Path, out: str | Path, base: str | None = None, dtype: str = "bfloat16") -> dict:
    import mlx.core as mx
    from mlx.utils import tree_map, tree_unflatten
    from mlx_lm.utils import dequantize_model, load, save

    adapter, out = Path(adapter), Path(out)
    base = base or recorded_base(adapter)
    model, tokenizer, config = load(base, return_config=True)
    apply_adapter(mx, model, adapter)
    fused = [(name, module.fuse(dequantize=True)) for name, module in model.named_modules() if hasattr(module, "fuse")]
    if not fused:
        raise ValueError(f"{adapter} added no LoRA layers to {base}: nothing to fuse")
    model.update_modules(tree_unflatten(fused))
    quantized = "quantization" in config
    model = dequantize_model(model)  # what the LoRA layers did not cover: embeddings, lm_head
    target = getattr(mx, dtype)
    model.update(tree_map(lambda value: value.astype(target) if mx.issubdtype(value.dtype, mx.floating) else value, model.parameters()))
    for key in ("quantization", "quantization_config"):
        config.pop(key, None)
    config["torch_dtype"] = dtype  # transformers < 5 reads this name,
    config["dtype"] = dtype  # transformers 5 this one
    if out.exists():
        shutil.rmtree(out)
    save(out, base, model, tokenizer, config, donate_model=False)
    return {"path": str(out), "base": base, "dtype": dtype, "dequantized": quantized}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fuse an mlx LoRA adapter into its base, de-quantized, as a 16-bit HF folder.")
    parser.add_argument("--adapter", required=True, help="the adapter folder 05-train wrote (training.adapterDir)")
    parser.add_argument("--out", required=True, help="the 16-bit folder to write (replaced if it exists)")
    parser.add_argument("--base", help="the MLX base model; default: the one recorded beside the adapter")
    parser.add_argument("--dtype", default="bfloat16", choices=DTYPES)
    arguments = parser.parse_args(argv)
    try:
        with contextlib.redirect_stdout(sys.stderr):  # stdout is the JSON line only
            result = fuse_to_hf(arguments.adapter, arguments.out, arguments.base, arguments.dtype)
    except Exception as error:  # noqa: BLE001 — one error line for cell 06
        hint = ("Install mlx-lm: npm run setup:python -- --with-mlx" if isinstance(error, ImportError)
                else "Check that the adapter was trained by the mlx backend and that its base model is still there.")
        print(json.dumps({"event": "error", "message": f"{type(error).__name__}: {error}", "hint": hint}), flush=True)
        return 1
    print(json.dumps({"event": "done", **result}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
