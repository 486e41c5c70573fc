"""The base model the mlx backend trains on, and where it came from.

Either `training.mlx.model` names an MLX model (a folder, or a hub name such as an
mlx-community 4-bit build) and it is used as it is, or the configured Hugging Face
model is converted once with mlx-lm's `convert` — 4-bit (group 64) when
`training.loadIn4bit` is set, as QLoRA does on CUDA, else kept 16-bit — and cached
outside the checkout. Modules trained in full (lora.modulesToSave, the tiny rehearsal
model's embeddings and head) stay unquantized: 4-bit weights cannot be trained. A `*-bnb-4bit` name means its 16-bit original here: MLX does
not read bitsandbytes weights. `source` says which, for 05's outputs and 06-export.
"""
from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

from mlx_plan import cache_name, default_cache_dir, folder_stamp, matches_module
from train_config import TrainConfig
from train_control import resolve_base_model

BITS, GROUP_SIZE = 4, 64
# Written last into a converted folder: a folder without it is a conversion cut short.
MARKER = "joco-mlx-source.json"


@dataclass(frozen=True)
class MlxBase:
    path: str  # what mlx_lm.load() takes: a folder or a hub name
    source: str  # "configured" (training.mlx.model) or "converted" (from training.baseModel)
    hf_model: str | None  # the Hugging Face model it was converted from
    quantization: dict | None  # {"bits", "group_size"} or None (16-bit)
    cached: bool  # converted by an earlier run

    def record(self) -> dict:
        return asdict(self)


def quantization_of(folder: Path) -> dict | None:
    config = folder / "config.json"
    if not config.is_file():
        return None
    quantization = json.loads(config.read_text(encoding="utf-8")).get("quantization")
    return {"bits": quantization["bits"], "group_size": quantization["group_size"]} if quantization else None


def resolve_mlx_base(config: TrainConfig, note: Callable[[str], None], convert: Callable | None = None) -> MlxBase:
    """`convert` is mlx_lm.convert.convert (passed in by tests to count calls)."""
    named = config.mlx.model
    if named:
        folder = Path(named)
        if folder.is_dir() and not (folder / "config.json").is_file():
            raise ValueError(f"training.mlx.model {named}: a folder without config.json is not an MLX model")
        note(f"training on the MLX model {named} (training.mlx.model)")
        return MlxBase(named, "configured", None, quantization_of(folder) if folder.is_dir() else None, False)

    hf_model, _ = resolve_base_model(config.base_model, four_bit=False)
    bits = BITS if config.load_in_4bit else None
    keep = tuple(getattr(config.lora, "modules_to_save", ()))  # the config has it once lora.modulesToSave exists
    local = Path(hf_model)
    cache = Path(config.mlx.cache_dir) if config.mlx.cache_dir else default_cache_dir()
    folder = cache / cache_name(hf_model, bits, GROUP_SIZE, folder_stamp(local) if local.is_dir() else None, keep)
    quantization = {"bits": bits, "group_size": GROUP_SIZE} if bits else None
    if (folder / MARKER).is_file():
        note(f"using {hf_model} converted to MLX earlier ({folder})")
        return MlxBase(str(folder), "converted", hf_model, quantization, True)

    if convert is None:
        from mlx_lm.convert import convert
    note(f"converting {hf_model} to MLX ({f'{bits}-bit' if bits else '16-bit'}) once, with mlx-lm's convert, into {folder}")
    # convert() refuses an existing folder, and a conversion cut short must never look finished.
    partial = folder.with_name(f"{folder.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.parent.mkdir(parents=True, exist_ok=True)
    convert(hf_model, str(partial), quantize=bits is not None, q_bits=bits, q_group_size=GROUP_SIZE if bits else None,
            quant_predicate=(lambda path, _module: not matches_module(path, keep)) if bits and keep else None)
    (partial / MARKER).write_text(json.dumps({"hf_model": hf_model, "quantization": quantization}) + "\n", encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(partial, folder)
    return MlxBase(str(folder), "converted", hf_model, quantization, False)
