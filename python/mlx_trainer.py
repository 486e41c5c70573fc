"""Drives mlx-lm's LoRA training loop (mlx_lm.tuner.trainer.train) behind the small
part of the transformers Trainer that train.py uses: add_callback, train(resume_from_checkpoint),
evaluate(), state.global_step / max_steps / epoch / log_history, and callbacks
on_train_begin / on_step_end / on_log / on_save that may set control.should_save and
control.should_training_stop. So train.py's events, SIGINT handling and resume work
unchanged for the mlx backend.

mlx-lm reports after every micro-batch (steps_per_report=1) to a TrainingCallback;
at each optimizer step this class logs, evaluates and saves as the Trainer would.
Stopping raises out of mlx-lm's loop, always at an optimizer step, after saving.
A checkpoint is `checkpoint-N/` with mlx-lm's adapter file (the file its
--resume-adapter-file takes), the adapter config, the optimizer state (so Adam's
moments and the learning-rate schedule continue) and trainer_state.json, written last.
"""
from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import mlx.core as mx
from mlx.utils import tree_flatten, tree_unflatten
from mlx_lm.tuner.trainer import TrainingArgs, TrainingCallback, evaluate, iterate_batches, train

from mlx_plan import StepPlan, checkpoints_to_remove, memory_hint, step_actions

ADAPTER_FILE, OPTIMIZER_FILE, STATE_FILE, ADAPTER_CONFIG = "adapters.safetensors", "optimizer.safetensors", "trainer_state.json", "adapter_config.json"


@dataclass
class State:
    max_steps: int
    global_step: int = 0
    epoch: float = 0.0
    log_history: list = field(default_factory=list)


@dataclass
class Control:
    should_save: bool = False
    should_training_stop: bool = False


class CallbackBase:
    """What train.py subclasses (transformers.TrainerCallback for the other backends)."""

    def on_train_begin(self, args, state, control, **_): ...
    def on_step_end(self, args, state, control, **_): ...
    def on_log(self, args, state, control, logs=None, **_): ...
    def on_save(self, args, state, control, **_): ...


class _Stop(Exception):
    pass


class MlxTrainer:
    def __init__(self, *, model, optimizer, loss, train_rows, validation_rows, plan: StepPlan, config, adapter_config: dict):
        self.model, self.optimizer, self.loss = model, optimizer, loss
        self.train_rows, self.validation_rows, self.plan, self.config = train_rows, validation_rows, plan, config
        self.adapter_config = adapter_config
        self.args = SimpleNamespace(output_dir=config.output_dir)
        self.state, self.control = State(max_steps=plan.total_steps), Control()
        self.callbacks: list = []
        self._micro_losses: list[float] = []
        self._step_losses: list[float] = []

    def add_callback(self, callback) -> None:
        self.callbacks.append(callback)

    def _fire(self, event: str, **extra) -> None:
        for callback in self.callbacks:
            getattr(callback, event)(self.args, self.state, self.control, **extra)

    # ---- mlx-lm's loop --------------------------------------------------------------------------

    def _batches(self, dataset, batch_size, max_seq_length, loop=False, seed=None, comm_group=None):
        """Training: one seeded order per epoch, so that a resumed run sees the batches an
        uninterrupted one would have, starting after the ones already trained on."""
        if not loop:
            yield from iterate_batches(dataset, batch_size, max_seq_length, comm_group=comm_group)
            return
        done = self.state.global_step * self.plan.accumulation
        epoch, skip = divmod(done, self.plan.batches_per_epoch)
        while True:
            order = iterate_batches(dataset, batch_size, max_seq_length, seed=self.config.seed + epoch, comm_group=comm_group)
            for index, batch in enumerate(order):
                if index >= skip:
                    yield batch
            epoch, skip = epoch + 1, 0

    def train(self, resume_from_checkpoint: str | None = None) -> None:
        if resume_from_checkpoint:
            self._restore(Path(resume_from_checkpoint))
        self._fire("on_train_begin")
        remaining = self.plan.iterations - self.state.global_step * self.plan.accumulation
        if remaining <= 0:
            return
        never = remaining + 1  # mlx-lm's own saving and validation are replaced by ours
        arguments = TrainingArgs(
            batch_size=self.config.batch_size, iters=remaining, steps_per_report=1, steps_per_eval=never,
            steps_per_save=never, max_seq_length=self.config.max_seq_length,
            adapter_file=str(Path(self.config.output_dir) / ADAPTER_FILE),
            grad_checkpoint=self.config.gradient_checkpointing, grad_accumulation_steps=self.plan.accumulation,
        )
        Path(self.config.output_dir).mkdir(parents=True, exist_ok=True)
        trainer = self

        class Report(TrainingCallback):
            def on_train_loss_report(self, info):
                trainer._on_micro_batch(info)

        try:
            train(self.model, self.optimizer, self.train_rows, None, args=arguments, loss=self.loss,
                  iterate_batches=self._batches, training_callback=Report())
        except _Stop:
            pass
        except RuntimeError as error:
            error.hint = memory_hint(str(error)) or getattr(error, "hint", None)
            raise

    def _on_micro_batch(self, info: dict) -> None:
        self._micro_losses.append(float(info["train_loss"]))
        if len(self._micro_losses) < self.plan.accumulation:
            return
        self._step_losses.append(sum(self._micro_losses) / len(self._micro_losses))
        self._micro_losses = []
        state, config = self.state, self.config
        state.global_step += 1
        state.epoch = self.plan.epoch_at(state.global_step)
        self.control = Control()
        self._fire("on_step_end")
        actions = step_actions(state.global_step, state.max_steps, config.logging_steps,
                               config.eval_steps if self.validation_rows else None, config.save_steps,
                               self.control.should_save, self.control.should_training_stop)
        if "log" in actions:
            self._log({"loss": sum(self._step_losses) / len(self._step_losses), "learning_rate": float(info["learning_rate"])})
            self._step_losses = []
        if "evaluate" in actions:
            self.evaluate()
        if "save" in actions:
            self._save_checkpoint()
        if "stop" in actions:
            raise _Stop

    # ---- what train.py calls besides train() ----------------------------------------------------

    def evaluate(self) -> float:
        batch_size = min(self.config.batch_size, len(self.validation_rows))
        value = evaluate(self.model, self.validation_rows, batch_size, -1, self.config.max_seq_length, loss=self.loss)
        self.model.train()  # mlx-lm's evaluate leaves the model in eval mode (no LoRA dropout)
        self._log({"eval_loss": value})
        return value

    def _log(self, logs: dict) -> None:
        logs = {**logs, "epoch": self.state.epoch}
        self.state.log_history.append({**logs, "step": self.state.global_step})
        self._fire("on_log", logs=logs)

    # ---- checkpoints ----------------------------------------------------------------------------

    def save_adapter(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        mx.save_safetensors(str(folder / ADAPTER_FILE), dict(tree_flatten(self.model.trainable_parameters())))
        (folder / ADAPTER_CONFIG).write_text(json.dumps(self.adapter_config, indent=2) + "\n", encoding="utf-8")

    def _save_checkpoint(self) -> None:
        output = Path(self.config.output_dir)
        final = output / f"checkpoint-{self.state.global_step}"
        partial = output / f".{final.name}.partial-{os.getpid()}"
        shutil.rmtree(partial, ignore_errors=True)
        self.save_adapter(partial)
        mx.save_safetensors(str(partial / OPTIMIZER_FILE), dict(tree_flatten(self.optimizer.state)))
        state = {"backend": "mlx", "global_step": self.state.global_step, "max_steps": self.state.max_steps,
                 "epoch": self.state.epoch, "log_history": self.state.log_history}
        (partial / STATE_FILE).write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")
        shutil.rmtree(final, ignore_errors=True)
        os.replace(partial, final)
        for name in checkpoints_to_remove([p.name for p in output.iterdir() if p.is_dir()], self.config.save_total_limit):
            shutil.rmtree(output / name, ignore_errors=True)
        self._fire("on_save")

    def _restore(self, folder: Path) -> None:
        saved = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
        if saved.get("backend") != "mlx" or not (folder / ADAPTER_FILE).is_file():
            raise ValueError(f"{folder} is a checkpoint of another backend, not of mlx: train without --resume-from, "
                             f"or move {Path(folder).parent}/checkpoint-* aside")
        self.model.load_weights(str(folder / ADAPTER_FILE), strict=False)  # what --resume-adapter-file does
        self.optimizer.state = tree_unflatten(list(mx.load(str(folder / OPTIMIZER_FILE)).items()))
        self.state.global_step, self.state.epoch = saved["global_step"], saved["epoch"]
        self.state.log_history = saved["log_history"]
