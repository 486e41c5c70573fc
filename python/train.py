#!/usr/bin/env python3
"""LoRA fine-tuning of the commit-message model (cell 05-train).

    python python/train.py --config outputs/joco-train.json [--resume-from auto|outputs/checkpoint-50]

Backends: `unsloth` (backend_unsloth.py, CUDA), `hf` (backend_hf.py: transformers
+ peft on CUDA, Apple MPS or CPU) and `mlx` (backend_mlx.py: mlx-lm, Apple silicon);
`auto` takes Unsloth when it is installed and CUDA is there, mlx on Apple silicon
when mlx-lm is installed, hf otherwise (backend_choice.py). stdout carries only
the JSON events of train_events.py, one per line; every library's output goes to
stderr. SIGINT/SIGTERM save a checkpoint at the end of the current step and stop
(exit 130); `--resume-from` continues from it. The adapter and tokenizer are saved to the config's adapterDir.

Only the standard library is imported at module level: the launcher's tests and
the unit tests import this file without torch.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import signal
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from backend_choice import choose, detect_machine
from train_config import TrainConfig, load_config
from train_control import StopController, hint_for_error, resolve_resume
from train_data import load_examples
from train_events import EVENT_FIELDS, EventWriter, curves_from_log_history, sample_events

__all__ = ["EVENT_FIELDS", "main", "sample_events"]


@dataclass
class Session:
    """What the trainer callbacks saw: for the `stopped` event and the final evaluation."""

    step: int = 0
    last_checkpoint: str | None = None
    last_eval_step: int | None = None
    started: float | None = None

    def runtime(self) -> float:
        return round(time.monotonic() - self.started, 1) if self.started else 0.0


def take_over_stdout():
    """Keeps the real stdout for events and points file descriptor 1 (print, C
    extensions, Unsloth's banner) at stderr, so nothing else lands in the event stream."""
    sys.stdout.flush()
    events = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    return events


def install_signal_handlers(stop: StopController) -> None:
    def handle(signum, _frame):
        # Only a flag here: the event stream is written by the main thread.
        if stop.on_signal(signal.Signals(signum).name, time.monotonic()) == "abort":
            raise KeyboardInterrupt

    signal.signal(signal.SIGINT, handle)
    signal.signal(signal.SIGTERM, handle)


def make_event_callback(base: type, events: EventWriter, stop: StopController, session: Session, start: dict):
    parent = os.getppid()

    class EventCallback(base):
        def on_train_begin(self, args, state, control, **_):
            session.step = state.global_step
            events.emit("start", **start, total_steps=state.max_steps, resume_step=state.global_step)

        def on_step_end(self, args, state, control, **_):
            session.step = state.global_step
            events.emit("progress", step=state.global_step, total=state.max_steps, epoch=round(state.epoch or 0.0, 4))
            # A launcher that died (kill -9) leaves us re-parented: stop too rather than train unseen.
            if stop.requested or os.getppid() != parent:
                if not control.should_training_stop:
                    events.note(f"stopping: saving a checkpoint at step {state.global_step}")
                control.should_save = True
                control.should_training_stop = True

        def on_log(self, args, state, control, logs=None, **_):
            logs = logs or {}
            if "loss" in logs:
                events.emit("step", step=state.global_step, total=state.max_steps, loss=float(logs["loss"]),
                            lr=float(logs.get("learning_rate", 0.0)), epoch=round(state.epoch or 0.0, 4))
            if "eval_loss" in logs:
                session.last_eval_step = state.global_step
                events.emit("eval", step=state.global_step, eval_loss=float(logs["eval_loss"]))

        def on_save(self, args, state, control, **_):
            session.last_checkpoint = os.path.join(args.output_dir, f"checkpoint-{state.global_step}")
            events.emit("checkpoint", path=session.last_checkpoint, step=state.global_step)

    return EventCallback()


def cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


def load_backend(config: TrainConfig, events: EventWriter):
    # CUDA is probed through torch, which an mlx-only environment on a Mac does not have.
    choice = choose(config.backend, detect_machine(None if config.backend == "mlx" else cuda_available))
    backend, note = choice.backend, choice.note
    if backend == "unsloth" and config.backend == "auto":
        try:
            importlib.import_module("unsloth")  # before transformers, so that it can patch it
        except Exception as error:  # noqa: BLE001 — a broken Unsloth install falls back to transformers + peft
            backend, note = "hf", f"unsloth is installed but does not import ({type(error).__name__}: {error}); using transformers + peft"
    if note:
        events.note(note)
    return importlib.import_module(f"backend_{backend}")


def train(config: TrainConfig, resume_argument: str | None, events: EventWriter, stop: StopController, session: Session) -> int:
    train_examples = load_examples(config.train_file)
    validation_examples = load_examples(config.validation_file) if Path(config.validation_file).is_file() else []
    if not train_examples:
        raise ValueError(f"{config.train_file} has no examples: run cell 04-curate")
    resume = resolve_resume(resume_argument, config.output_dir)
    prepared = load_backend(config, events).prepare(config, train_examples, validation_examples, events.note)
    trainer = prepared.trainer
    start = {
        "backend": prepared.backend, "device": prepared.device, "base_model": prepared.base_model,
        "eos_token": prepared.eos_token, "examples": prepared.train_stats.examples,
        "validation": prepared.validation_stats.examples,
        "truncated": prepared.train_stats.truncated + prepared.validation_stats.truncated,
        "dropped": prepared.train_stats.dropped + prepared.validation_stats.dropped,
        "resumed_from": resume[0] if resume else None,
    }
    trainer.add_callback(make_event_callback(prepared.callback_base, events, stop, session, start))

    stop.phase = "training"
    session.started = time.monotonic()
    trainer.train(resume_from_checkpoint=resume[0] if resume else None)
    stop.phase = "finishing"
    if stop.requested:
        events.emit("stopped", step=session.step, checkpoint=session.last_checkpoint, runtime=session.runtime())
        return 130
    if prepared.validation_stats.examples and session.last_eval_step != trainer.state.global_step:
        trainer.evaluate()  # the final eval_loss, reported through the callback
    prepared.save(config.adapter_dir)
    write_training_record(config, prepared)
    loss_curve, eval_curve = curves_from_log_history(trainer.state.log_history)
    events.emit(
        "done", adapter=config.adapter_dir, steps=trainer.state.global_step, runtime=session.runtime(),
        train_loss=loss_curve[-1]["loss"] if loss_curve else None,
        eval_loss=eval_curve[-1]["eval_loss"] if eval_curve else None,
        loss_curve=loss_curve, eval_curve=eval_curve,
    )
    return 0


def write_training_record(config: TrainConfig, prepared) -> None:
    """Beside the adapter, what it was trained from: 06-export and 09-log read it."""
    record = {
        "baseModel": prepared.base_model, "backend": prepared.backend, "device": prepared.device,
        "eosToken": prepared.eos_token, "maxSeqLength": config.max_seq_length, "datasetSha256": config.dataset_sha256,
    }
    Path(config.adapter_dir, "joco-training.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="LoRA fine-tuning for joco; prints JSON events on stdout.")
    parser.add_argument("--config", required=True, help="the JSON config written by cell 05-train")
    parser.add_argument("--resume-from", help='"auto" (the last complete checkpoint) or a checkpoint-N folder')
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    events = EventWriter(take_over_stdout())
    stop = StopController()
    session = Session()
    install_signal_handlers(stop)
    config = None
    try:
        config = load_config(arguments.config)
        return train(config, arguments.resume_from, events, stop, session)
    except KeyboardInterrupt:
        events.emit("stopped", step=session.step, checkpoint=session.last_checkpoint, runtime=session.runtime())
        return 130
    except Exception as error:  # noqa: BLE001 — every failure becomes an `error` event with a hint
        traceback.print_exc()
        hint = getattr(error, "hint", None) or hint_for_error(type(error).__name__, str(error), config)
        events.emit("error", message=f"{type(error).__name__}: {error}", hint=hint)
        return 1


if __name__ == "__main__":
    sys.exit(main())
