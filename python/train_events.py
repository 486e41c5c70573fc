"""The event protocol between python/train.py and the launcher (lib/trainer-events.ts).

train.py prints one JSON object per line on stdout, `{"event": kind, ...fields}`,
and nothing else (library output is sent to stderr). EVENT_FIELDS is the
protocol: every event carries exactly these fields; the TypeScript side
validates the samples of `sample_events()` with its zod schema, so the two
cannot drift apart unnoticed. Standard library only.
"""
from __future__ import annotations

import json
import math
from typing import IO

EVENT_FIELDS: dict[str, tuple[str, ...]] = {
    # Free text for the user while nothing else happens (loading the model, a fallback taken).
    "note": ("message",),
    "start": (
        "backend", "device", "base_model", "eos_token", "examples", "validation",
        "truncated", "dropped", "total_steps", "resume_step", "resumed_from",
    ),
    # Every optimizer step, for the progress bar.
    "progress": ("step", "total", "epoch"),
    # Every `loggingSteps` steps: the training loss (mean since the last one) and learning rate.
    "step": ("step", "total", "loss", "lr", "epoch"),
    "eval": ("step", "eval_loss"),
    "checkpoint": ("path", "step"),
    # Stopped by SIGINT/SIGTERM after saving `checkpoint` (null when it stopped before training began).
    "stopped": ("step", "checkpoint", "runtime"),
    "done": ("adapter", "steps", "runtime", "train_loss", "eval_loss", "loss_curve", "eval_curve"),
    "error": ("message", "hint"),
}


def _finite(value):
    """JSON has no NaN: a diverged loss is reported as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list):
        return [_finite(item) for item in value]
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    return value


def make_event(kind: str, **fields) -> dict:
    """An event with exactly the fields of EVENT_FIELDS[kind]; raises ValueError otherwise."""
    if kind not in EVENT_FIELDS:
        raise ValueError(f"unknown event {kind!r}")
    expected = set(EVENT_FIELDS[kind])
    missing, extra = expected - fields.keys(), fields.keys() - expected
    if missing or extra:
        raise ValueError(f"event {kind!r}: missing {sorted(missing)}, unexpected {sorted(extra)}")
    return {"event": kind, **_finite(fields)}


class EventWriter:
    """Writes events to the launcher. If the launcher is gone (a broken pipe), the
    trainer keeps going so that it can still save its checkpoint."""

    def __init__(self, stream: IO[str]):
        self._stream = stream
        self.connected = True

    def emit(self, kind: str, **fields) -> None:
        line = json.dumps(make_event(kind, **fields), ensure_ascii=False, allow_nan=False)
        if not self.connected:
            return
        try:
            self._stream.write(line + "\n")
            self._stream.flush()
        except (OSError, ValueError):
            self.connected = False

    def note(self, message: str) -> None:
        self.emit("note", message=message)


def curves_from_log_history(history: list[dict]) -> tuple[list[dict], list[dict]]:
    """The loss curve and eval points from a transformers TrainerState.log_history,
    which a resumed run restores from its checkpoint: the curve covers every step."""
    losses, evals = [], []
    for entry in history:
        step = entry.get("step")
        if step is None:
            continue
        if "loss" in entry:
            losses.append({"step": step, "loss": _finite(float(entry["loss"]))})
        if "eval_loss" in entry:
            evals.append({"step": step, "eval_loss": _finite(float(entry["eval_loss"]))})
    return losses, evals


def sample_events() -> list[dict]:
    """One event of each kind with realistic values: the protocol test on the TypeScript side parses them."""
    return [
        make_event("note", message="loading unsloth/Qwen2.5-Coder-1.5B-bnb-4bit on cuda"),
        make_event(
            "start", backend="unsloth", device="cuda (NVIDIA L4)", base_model="unsloth/Qwen2.5-Coder-1.5B-bnb-4bit",
            eos_token="<|endoftext|>", examples=300, validation=33, truncated=12, dropped=0,
            total_steps=225, resume_step=50, resumed_from="outputs/checkpoint-50",
        ),
        make_event("progress", step=51, total=225, epoch=0.68),
        make_event("step", step=60, total=225, loss=1.2345, lr=0.000187, epoch=0.8),
        make_event("step", step=70, total=225, loss=float("nan"), lr=0.000181, epoch=0.93),
        make_event("eval", step=100, eval_loss=1.1),
        make_event("checkpoint", path="outputs/checkpoint-100", step=100),
        make_event("stopped", step=104, checkpoint="outputs/checkpoint-104", runtime=312.5),
        make_event("stopped", step=0, checkpoint=None, runtime=0.0),
        make_event(
            "done", adapter="joco-lora", steps=225, runtime=1830.2, train_loss=0.61, eval_loss=0.72,
            loss_curve=[{"step": 10, "loss": 2.1}, {"step": 20, "loss": 1.4}], eval_curve=[{"step": 50, "eval_loss": 0.9}],
        ),
        make_event("done", adapter="joco-lora", steps=3, runtime=1.0, train_loss=None, eval_loss=None, loss_curve=[], eval_curve=[]),
        make_event("error", message="CUDA out of memory", hint="lower training.maxSeqLength"),
    ]
