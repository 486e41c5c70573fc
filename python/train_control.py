"""Decisions train.py takes before and around training, standard library only:
which backend and base model, which checkpoint to resume from, what a signal
means, which trainer arguments this transformers/trl version accepts, and what
to tell the user when something fails.
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from train_config import TrainConfig
from train_data import DatasetStats

_CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")


def find_last_checkpoint(output_dir: str | Path) -> tuple[str, int] | None:
    """The trainer checkpoint with the highest step. A folder without trainer_state.json
    (the last file the trainer writes) was cut off mid-save and is skipped."""
    folder = Path(output_dir)
    if not folder.is_dir():
        return None
    complete = []
    for child in folder.iterdir():
        match = _CHECKPOINT.match(child.name)
        if match and child.is_dir() and (child / "trainer_state.json").is_file():
            complete.append((int(match.group(1)), child))
    if not complete:
        return None
    step, path = max(complete)
    return str(Path(output_dir) / path.name), step


def resolve_resume(argument: str | None, output_dir: str) -> tuple[str, int] | None:
    """`--resume-from auto` (the last complete checkpoint, if any) or a checkpoint folder."""
    if argument is None:
        return None
    if argument == "auto":
        return find_last_checkpoint(output_dir)
    path = Path(argument)
    match = _CHECKPOINT.match(path.name)
    if not match or not (path / "trainer_state.json").is_file():
        raise ValueError(f"--resume-from {argument}: not a complete trainer checkpoint (checkpoint-N with trainer_state.json)")
    return argument, int(match.group(1))


class StopController:
    """What SIGINT/SIGTERM mean. While loading there is nothing to save: stop at once.
    While training, the first signal asks for a checkpoint at the end of the current
    step. In a terminal, Ctrl-C reaches both the launcher and this process, and the
    launcher forwards its own copy: a repeat within DUPLICATE_WINDOW_S is that copy
    and is ignored; a later one means "stop now"."""

    DUPLICATE_WINDOW_S = 3.0

    def __init__(self) -> None:
        self.phase = "loading"
        self.requested_at: float | None = None
        self.signal_name: str | None = None

    @property
    def requested(self) -> bool:
        return self.requested_at is not None

    def on_signal(self, name: str, now: float) -> str:
        """Returns "abort" (stop now), "stop" (save, then stop) or "ignore"."""
        if self.requested_at is None:
            self.requested_at, self.signal_name = now, name
            return "abort" if self.phase == "loading" else "stop"
        if now - self.requested_at < self.DUPLICATE_WINDOW_S:
            return "ignore"
        return "abort"


class BackendError(RuntimeError):
    def __init__(self, message: str, hint: str):
        super().__init__(message)
        self.hint = hint


def choose_backend(requested: str, unsloth_installed: bool, cuda: bool) -> tuple[str, str | None]:
    """(backend, a note for the user when `auto` had to fall back)."""
    if requested == "hf":
        return "hf", None
    if requested == "unsloth":
        if not cuda:
            raise BackendError("the unsloth backend needs an NVIDIA GPU with CUDA, and none is available",
                               'Set training.backend to "hf" (transformers + peft: Apple MPS or CPU) or "auto".')
        if not unsloth_installed:
            raise BackendError("the unsloth backend is selected but unsloth is not installed",
                               "Run `npm run setup:python` on the Linux machine with the GPU (it installs the unsloth set), "
                               'or set training.backend to "hf".')
        return "unsloth", None
    if cuda and unsloth_installed:
        return "unsloth", None
    reason = "no CUDA GPU" if not cuda else "unsloth is not installed"
    return "hf", f"using transformers + peft ({reason}; unsloth needs both)"


_BNB_SUFFIX = re.compile(r"(-unsloth)?-bnb-4bit$")


def resolve_base_model(name: str, four_bit: bool) -> tuple[str, str | None]:
    """A pre-quantized `*-bnb-4bit` checkpoint loads only with bitsandbytes on CUDA;
    elsewhere the same model's 16-bit release (Unsloth publishes it without the suffix)."""
    if four_bit or not _BNB_SUFFIX.search(name):
        return name, None
    full = _BNB_SUFFIX.sub("", name)
    return full, f"{name} needs bitsandbytes on CUDA; loading the 16-bit {full} instead"


# Our name → older names of the same argument in transformers / trl.
ARGUMENT_ALIASES = {
    "eval_strategy": ("evaluation_strategy",),
    "use_cpu": ("no_cuda",),
    "max_length": ("max_seq_length",),
    "processing_class": ("tokenizer",),
}


def pick_supported(accepted: set[str], wanted: dict, aliases: dict = ARGUMENT_ALIASES) -> tuple[dict, list[str]]:
    """The arguments this library version accepts (renamed to an older alias where needed),
    and the names it does not know, which are dropped."""
    picked, dropped = {}, []
    for name, value in wanted.items():
        known = [candidate for candidate in (name, *aliases.get(name, ())) if candidate in accepted]
        if known:
            picked[known[0]] = value
        else:
            dropped.append(name)
    return picked, dropped


def training_arguments(config: TrainConfig, has_validation: bool) -> dict:
    """Hyperparameters shared by both backends (transformers TrainingArguments names)."""
    return {
        "output_dir": config.output_dir,
        "per_device_train_batch_size": config.batch_size,
        "per_device_eval_batch_size": config.batch_size,
        "gradient_accumulation_steps": config.gradient_accumulation_steps,
        "warmup_steps": config.warmup_steps,
        "num_train_epochs": config.epochs,
        "max_steps": config.max_steps if config.max_steps > 0 else -1,
        "learning_rate": config.learning_rate,
        "lr_scheduler_type": "linear",
        "weight_decay": 0.01,
        "logging_steps": config.logging_steps,
        "save_strategy": "steps",
        "save_steps": config.save_steps,
        "save_total_limit": config.save_total_limit,
        "eval_strategy": "steps" if has_validation else "no",
        "eval_steps": config.eval_steps,
        # Keep only the loss while evaluating: logits over a 150k vocabulary would fill the memory.
        "prediction_loss_only": True,
        # Named, because the Trainer cannot always find the labels argument through a PEFT wrapper, and then reports no eval_loss.
        "label_names": ["labels"],
        "seed": config.seed,
        "report_to": "none",
        "disable_tqdm": True,
    }


_OOM = re.compile(r"out of memory|OutOfMemoryError|MPS backend out of memory|CUBLAS_STATUS_ALLOC_FAILED", re.I)


def hint_for_error(error_type: str, message: str, config: TrainConfig | None) -> str:
    """One line telling the user what to do about a training failure."""
    text = f"{error_type}: {message}"
    if _OOM.search(text):
        now = f" (now {config.max_seq_length} and {config.batch_size})" if config else ""
        return (f"Out of memory: lower training.maxSeqLength or training.batchSize{now} in joco.config.json "
                "(raise gradientAccumulationSteps to keep the effective batch), close other programs using the GPU, then re-run.")
    if error_type in ("ModuleNotFoundError", "ImportError"):
        return (f"Install the training packages: `npm run setup:python` makes .venv with the set for this machine "
                f"(this was {sys.executable}; use .venv's python).")
    if re.search(r"bitsandbytes", text, re.I):
        return 'Set training.loadIn4bit to false or training.backend to "hf", or install bitsandbytes on a CUDA machine.'
    if re.search(r"huggingface\.co|couldn't connect|offline|Repository Not Found|is not a local folder", text, re.I):
        return ("The base model could not be loaded: check training.baseModel and the network, or download it once "
                "(`huggingface-cli download <model>`) and set HF_HUB_OFFLINE=1.")
    if error_type == "ConfigError":
        return "The training config was written by cell 05-train: re-run `npx tsx runbook/05-train.ts`, or fix the keys named above."
    log = f"{config.output_dir}/train.log" if config else "the training log"
    return f"See {log} for the full trace; fix the cause and re-run (training resumes from the last checkpoint)."


@dataclass
class PreparedTraining:
    """What a backend (backend_hf.py, backend_unsloth.py) hands to train.py: one narrow interface."""

    trainer: object  # a transformers Trainer (trl's SFTTrainer is one)
    callback_base: type  # transformers.TrainerCallback
    backend: str
    device: str
    base_model: str
    eos_token: str
    train_stats: DatasetStats
    validation_stats: DatasetStats
    save: Callable[[str], None]  # adapter + tokenizer into a folder
