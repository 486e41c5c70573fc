"""What the mlx backend decides before MLX is imported, standard library only, so
that all of it is unit-tested on any Python (test_mlx_plan.py).

- Rows: mlx-lm's prompt masking takes `(token_ids, offset)` pairs, the offset being
  the first position the loss covers. We hand it train_data.encode_dataset's rows
  (the same frame, budget cut and EOS as the hf backend) in that form, instead of
  letting mlx-lm render the examples through the chat template.
- Steps: an mlx-lm "iteration" is one micro-batch and it applies the optimizer every
  `grad_accumulation_steps` iterations; our events count optimizer steps, as the
  transformers Trainer does. mlx-lm also leaves out the last `examples % batch`
  examples of each epoch (the longest, since it batches by length).
- LoRA: our config speaks peft (`alpha`, module names); mlx-lm wants a `scale`
  (peft's alpha / r) and module paths inside a transformer block.
"""
from __future__ import annotations

import hashlib
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from train_data import IGNORE_INDEX

# Logits are computed for this many positions per row at least (see response_window).
WINDOW_ROUNDING = 8


def to_mlx_rows(rows: list[dict]) -> list[tuple[list[int], int]]:
    """encode_dataset rows → (input_ids, index of the first response token)."""
    converted = []
    for row in rows:
        offset = next((i for i, label in enumerate(row["labels"]) if label != IGNORE_INDEX), None)
        if offset is None or offset == 0:
            raise ValueError("a training row has no prompt or no response to learn")
        converted.append((list(row["input_ids"]), offset))
    return converted


def response_window(rows: list[tuple[list[int], int]]) -> int:
    """How many positions the loss needs per row: the longest response, rounded up.
    The loss computes logits for these positions only — over a 151k vocabulary, logits
    for every position of a 2,048-token diff are 1.2 GB of float32 per example."""
    longest = max((len(ids) - offset for ids, offset in rows), default=1)
    return WINDOW_ROUNDING * math.ceil(longest / WINDOW_ROUNDING)


@dataclass(frozen=True)
class StepPlan:
    batches_per_epoch: int
    accumulation: int
    total_steps: int  # optimizer steps
    left_out: int  # examples per epoch that mlx-lm's batching leaves out

    @property
    def iterations(self) -> int:
        return self.total_steps * self.accumulation

    def epoch_at(self, step: int) -> float:
        return round(step * self.accumulation / self.batches_per_epoch, 4)


def plan_steps(examples: int, batch_size: int, accumulation: int, epochs: float, max_steps: int) -> StepPlan:
    batches = examples // batch_size
    if batches == 0:
        raise ValueError(f"{examples} training examples do not fill one batch of {batch_size}: lower training.batchSize")
    total = max_steps if max_steps > 0 else max(1, math.ceil(epochs * batches / accumulation))
    return StepPlan(batches, accumulation, total, examples - batches * batch_size)


def lora_keys(block_modules: list[str], targets: tuple[str, ...]) -> list[str]:
    """Module paths inside one transformer block (`self_attn.q_proj`) for peft-style
    target names (`q_proj`); a target that matches nothing is an error naming the choices."""
    keys, missing = [], []
    for target in targets:
        found = [path for path in block_modules if path == target or path.endswith("." + target)]
        if found:
            keys.extend(found)
        else:
            missing.append(target)
    if missing:
        leaves = sorted({path.rsplit(".", 1)[-1] for path in block_modules if path})
        raise ValueError(f"training.lora.targetModules {missing} are not in the model's blocks (it has: {', '.join(leaves)})")
    return sorted(set(keys))


def lora_parameters(r: int, alpha: int, dropout: float, keys: list[str]) -> dict:
    """mlx-lm's lora_parameters; peft scales the LoRA update by alpha / r, mlx-lm by `scale`."""
    return {"rank": r, "scale": alpha / r, "dropout": dropout, "keys": keys}


def adapter_config(model: str, num_layers: int, parameters: dict) -> dict:
    """The adapter_config.json that mlx-lm's load(adapter_path=…) and fuse read back."""
    return {"model": model, "fine_tune_type": "lora", "num_layers": num_layers, "lora_parameters": parameters}


def is_due(step: int, every: int, total: int | None = None) -> bool:
    return step > 0 and (step % every == 0 or (total is not None and step >= total))


def step_actions(step: int, total: int, logging: int, evaluation: int | None, saving: int,
                 save_requested: bool, stop_requested: bool) -> list[str]:
    """What the transformers Trainer does after optimizer step `step`, in its order: log the
    loss every `logging` steps, evaluate every `evaluation` (None: no validation set),
    save every `saving`, at the last step and when a callback asks (SIGINT), then stop."""
    actions = []
    if is_due(step, logging):
        actions.append("log")
    if evaluation is not None and is_due(step, evaluation):
        actions.append("evaluate")
    if is_due(step, saving, total) or save_requested:
        actions.append("save")
    if stop_requested and step < total:
        actions.append("stop")
    return actions


_METAL_OOM = re.compile(r"kIOGPUCommandBufferCallbackErrorOutOfMemory|Insufficient Memory|metal::malloc|"
                        r"maximum allowed buffer size|\[malloc\]", re.I)


def memory_hint(message: str) -> str | None:
    """What to change when MLX runs out of unified memory (train.py shows an error's `hint`)."""
    if not _METAL_OOM.search(message):
        return None
    return ("Out of unified memory: set training.mlx.numLayers to 16 (or 8), keep training.batchSize 1 and "
            "gradientCheckpointing true, or lower training.maxSeqLength to 1024; close other apps. "
            "`python python/backend_choice.py` estimates what fits this Mac.")


_CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")


def checkpoints_to_remove(names: list[str], keep: int) -> list[str]:
    """Checkpoint folders beyond the newest `keep` (save_total_limit, as the Trainer does)."""
    steps = sorted((int(m.group(1)), name) for name in names if (m := _CHECKPOINT.match(name)))
    return [name for _, name in steps[:-keep]] if len(steps) > keep else []


def default_cache_dir(env: Mapping[str, str] = os.environ) -> Path:
    """Converted MLX models live outside the checkout: they are big and outlive a run."""
    if env.get("JOCO_MLX_CACHE"):
        return Path(env["JOCO_MLX_CACHE"])
    return Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "joco-finetune" / "mlx"


def folder_stamp(folder: Path) -> str:
    """Size and mtime of a local model's config and weights: a rebuilt model gets a new cache entry."""
    parts = [str(folder.resolve())]
    for path in sorted(folder.glob("*.json")) + sorted(folder.glob("*.safetensors")):
        stat = path.stat()
        parts.append(f"{path.name}:{stat.st_size}:{int(stat.st_mtime)}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:12]


def cache_name(model: str, bits: int | None, group_size: int, stamp: str | None = None, unquantized: tuple[str, ...] = ()) -> str:
    """mlx-cache folder for a converted model: readable name, quantization (and the modules left
    16-bit for modules_to_save), and for a local folder its stamp."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "--", model.strip("/")).strip("-.") or "model"
    kind = f"q{bits}g{group_size}" if bits else "16bit"
    keep = ("-keep-" + "+".join(sorted(unquantized))) if bits and unquantized else ""
    return f"{slug}-mlx-{kind}{keep}" + (f"-{stamp}" if stamp else "")


def matches_module(path: str, names: tuple[str, ...]) -> bool:
    """`model.embed_tokens` is the module that modules_to_save calls `embed_tokens`."""
    return any(path == name or path.endswith("." + name) for name in names)
