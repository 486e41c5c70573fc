"""How much unified memory LoRA training with mlx takes, and what to change when it
does not fit (doctor, backend_choice.py); standard library only.

The estimate is built from measurements, not guessed: one LoRA step (r 16 on all seven
projections, batch 1) on blocks of Qwen2.5-Coder-1.5B's real dimensions, with MLX's
CPU backend in float32, peak memory from mx.get_peak_memory(), at 256–2,048 tokens and
1–4 LoRA blocks, with and without gradient checkpointing (README, "Training on a Mac"). Per token,
in float32 values, with w = hidden + intermediate size:
  - one block's forward/backward transient: 14 w, plus heads × tokens for attention;
  - every further LoRA block, kept for the backward pass: 5.5 w + heads × tokens;
    with gradient checkpointing only 1.1 w (its input and its recompute);
  - blocks below the lowest LoRA block keep nothing: the gradient stops there, which
    is why fewer LoRA layers (mlx-lm's --num-layers) save memory.
On a Mac, MLX computes in the weights' 16-bit type: values count 2 bytes here. The
logits are computed for the response window only (backend_mlx.py): mlx-lm's own loss
over all 2,048 positions × 151,936 tokens would add about 3 GB. Treat the figure as
±30 %: MARGIN is applied before saying that something fits.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

GB = 1e9
MARGIN = 1.3
OVERHEAD_GB = 0.6  # allocator cache, tokenizer, Python and mlx-lm themselves
WINDOW = 128  # response positions with logits (the longest commit message, rounded up)
# macOS and a few open apps keep about this much of an 8–16 GB Mac for themselves;
# and Metal lets one process wire about two thirds of the memory.
SYSTEM_GB = 3.5
METAL_SHARE = 0.67


@dataclass(frozen=True)
class Architecture:
    params_b: float
    layers: int
    hidden: int
    intermediate: int
    heads: int
    kv_dim: int  # key/value heads × head size
    vocab: int


# From the models' config.json files.
ARCHITECTURES = {
    "0.5b": Architecture(0.49, 24, 896, 4864, 14, 128, 151936),
    "1.5b": Architecture(1.54, 28, 1536, 8960, 12, 256, 151936),
    "3b": Architecture(3.09, 36, 2048, 11008, 16, 256, 151936),
    "7b": Architecture(7.62, 28, 3584, 18944, 28, 512, 152064),
}


def architecture_for(base_model: str) -> tuple[Architecture, bool]:
    """Qwen2.5(-Coder) sizes by the `-1.5B` in the name; (1.5B, False) when the name does not say."""
    match = re.search(r"(\d+(?:\.\d+)?)b\b", base_model.lower())
    key = f"{match.group(1)}b" if match else None
    return (ARCHITECTURES[key], True) if key in ARCHITECTURES else (ARCHITECTURES["1.5b"], False)


def estimate_mlx_memory(base_model: str, max_seq_length: int, batch_size: int, num_layers: int, lora_r: int,
                        gradient_checkpointing: bool, bits: int | None = 4) -> dict:
    """Peak unified memory in GB of one training step, by component."""
    arch, known = architecture_for(base_model)
    lora_blocks = arch.layers if num_layers == -1 else min(num_layers, arch.layers)
    tokens = max_seq_length * batch_size
    w = arch.hidden + arch.intermediate
    value = 2  # bytes: 16-bit activations
    weights = arch.params_b * 1e9 * ((bits + 0.5) / 8 if bits else 2)  # 4-bit + a 16-bit scale and bias per 64
    lora_params = lora_r * (9 * arch.hidden + 2 * arch.kv_dim + 3 * arch.intermediate) * lora_blocks
    per_block = (1.1 * w) if gradient_checkpointing else (5.5 * w + arch.heads * max_seq_length)
    parts = {
        "weights": weights,
        "lora_and_adam": lora_params * 16,  # float32 weight, gradient and two Adam moments
        "activations": tokens * value * ((14 * w + arch.heads * max_seq_length) + max(lora_blocks - 1, 0) * per_block),
        "logits": batch_size * WINDOW * arch.vocab * 4 * 3,  # float32 logits, log-softmax and its gradient
        "overhead": OVERHEAD_GB * GB,
    }
    rounded = {name: round(size / GB, 2) for name, size in parts.items()}
    return {**rounded, "total_gb": round(sum(parts.values()) / GB, 1), "lora_blocks": lora_blocks,
            "architecture": "known" if known else "unknown name: assumed Qwen2.5-Coder-1.5B"}


def budget_gb(memory_bytes: int) -> float:
    memory = memory_bytes / GB
    return round(min(memory - SYSTEM_GB, METAL_SHARE * memory), 1)


# Tried in this order until the estimate fits: cheapest in quality first.
STEPS = (
    ("training.batchSize", "batch_size", 1),
    ("training.gradientCheckpointing", "gradient_checkpointing", True),
    ("training.mlx.numLayers", "num_layers", 16),
    ("training.mlx.numLayers", "num_layers", 8),
    ("training.maxSeqLength", "max_seq_length", 1536),
    ("training.maxSeqLength", "max_seq_length", 1024),
)


def guidance_for(memory_bytes: int | None, settings: dict, estimate: dict) -> dict:
    """Whether the settings fit this machine's memory and, if not, the changes that do."""
    if memory_bytes is None:
        return {"fits": None, "message": "memory size unknown"}
    budget = budget_gb(memory_bytes)
    if estimate["total_gb"] * MARGIN <= budget:
        return {"fits": True, "budget_gb": budget, "changes": {},
                "message": f"about {estimate['total_gb']} GB (±30 %) of the {budget} GB that training can use here"}
    changed, changes, after = dict(settings), {}, estimate
    for key, field, value in STEPS:
        current = changed[field]
        better = value < current if field in ("batch_size", "max_seq_length") else (
            (current == -1 or value < current) if field == "num_layers" else value != current)
        if not better:
            continue
        changed[field] = value
        changes[key] = value
        after = estimate_mlx_memory(**changed)
        if after["total_gb"] * MARGIN <= budget:
            break
    fits = after["total_gb"] * MARGIN <= budget
    advice = ", ".join(f"{key} {value}" for key, value in changes.items())
    return {"fits": False, "budget_gb": budget, "changes": changes, "estimate_after_gb": after["total_gb"],
            "message": (f"about {estimate['total_gb']} GB (±30 %) needed, {budget} GB usable: set {advice} (about {after['total_gb']} GB)"
                        if fits else f"even with {advice} (about {after['total_gb']} GB) this will not fit {budget} GB: "
                        "choose a smaller training.baseModel (Qwen2.5-Coder-0.5B)")}
