"""The training configuration that cell 05-train writes (outputs/joco-train.json).

Its keys are `config.training` of runbook/00-config.ts (camelCase, as written)
plus the paths. Every key is required and unknown keys are errors, so a drift
between the cell and this script fails loudly, naming each key path at once.
Standard library only.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path


class ConfigError(ValueError):
    """The training config is unreadable or has wrong keys; the message lists every problem."""


@dataclass(frozen=True)
class LoraSettings:
    r: int
    alpha: int
    dropout: float
    target_modules: tuple[str, ...]
    # Modules trained in full beside the adapters, e.g. ("embed_tokens", "lm_head"): what lets the
    # tiny randomly initialised rehearsal model learn at all (DESIGN §8). Empty for the real model.
    modules_to_save: tuple[str, ...] = ()


@dataclass(frozen=True)
class MlxSettings:
    """`training.mlx`, read by the mlx backend only (backend_mlx.py); optional as a whole.
    model: an MLX model (folder or hub name) to train instead of converting baseModel.
    num_layers: LoRA on the last N transformer blocks (-1: all); fewer need less memory.
    cache_dir: where converted models are kept (default: mlx_plan.default_cache_dir)."""

    model: str | None = None
    num_layers: int = -1
    cache_dir: str | None = None


@dataclass(frozen=True)
class TrainConfig:
    base_model: str
    backend: str
    max_seq_length: int
    load_in_4bit: bool
    lora: LoraSettings
    batch_size: int
    gradient_accumulation_steps: int
    warmup_steps: int
    epochs: float
    learning_rate: float
    logging_steps: int
    save_steps: int
    eval_steps: int
    save_total_limit: int
    max_steps: int
    gradient_checkpointing: bool
    seed: int
    train_file: str
    validation_file: str
    output_dir: str
    adapter_dir: str
    dataset_sha256: str | None = None
    mlx: MlxSettings = MlxSettings()


BACKENDS = ("auto", "unsloth", "hf", "mlx")


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return (_is_int(value) or isinstance(value, float)) and math.isfinite(value)


# kind → (test, what the error says is expected)
_KINDS = {
    "text": (lambda v: isinstance(v, str) and v != "", "a non-empty string"),
    "backend": (lambda v: v in BACKENDS, "one of " + ", ".join(BACKENDS)),
    "positive_int": (lambda v: _is_int(v) and v > 0, "a positive integer"),
    "count": (lambda v: _is_int(v) and v >= 0, "an integer ≥ 0"),
    "int": (_is_int, "an integer"),
    "positive_number": (lambda v: _is_number(v) and v > 0, "a positive number"),
    "fraction": (lambda v: _is_number(v) and 0 <= v < 1, "a number in [0, 1)"),
    "bool": (lambda v: isinstance(v, bool), "true or false"),
    "names": (lambda v: isinstance(v, list) and len(v) > 0 and all(isinstance(s, str) and s for s in v), "a non-empty list of names"),
    "name_list": (lambda v: isinstance(v, list) and all(isinstance(s, str) and s for s in v), "a list of names"),
    "optional_text": (lambda v: v is None or isinstance(v, str), "a string or null"),
    "layers": (lambda v: _is_int(v) and (v == -1 or v > 0), "-1 (all) or a positive integer"),
}

# JSON key → (attribute, kind); keys not listed here are unknown.
_LORA_KEYS = {
    "r": ("r", "positive_int"),
    "alpha": ("alpha", "positive_int"),
    "dropout": ("dropout", "fraction"),
    "targetModules": ("target_modules", "names"),
}
_LORA_OPTIONAL_KEYS = {"modulesToSave": ("modules_to_save", "name_list")}
_TOP_KEYS = {
    "baseModel": ("base_model", "text"),
    "backend": ("backend", "backend"),
    "maxSeqLength": ("max_seq_length", "positive_int"),
    "loadIn4bit": ("load_in_4bit", "bool"),
    "batchSize": ("batch_size", "positive_int"),
    "gradientAccumulationSteps": ("gradient_accumulation_steps", "positive_int"),
    "warmupSteps": ("warmup_steps", "count"),
    "epochs": ("epochs", "positive_number"),
    "learningRate": ("learning_rate", "positive_number"),
    "loggingSteps": ("logging_steps", "positive_int"),
    "saveSteps": ("save_steps", "positive_int"),
    "evalSteps": ("eval_steps", "positive_int"),
    "saveTotalLimit": ("save_total_limit", "positive_int"),
    "maxSteps": ("max_steps", "count"),
    "gradientCheckpointing": ("gradient_checkpointing", "bool"),
    "seed": ("seed", "int"),
    "trainFile": ("train_file", "text"),
    "validationFile": ("validation_file", "text"),
    "outputDir": ("output_dir", "text"),
    "adapterDir": ("adapter_dir", "text"),
}
_OPTIONAL_KEYS = {"datasetSha256": ("dataset_sha256", "optional_text"), "version": ("version", "int")}
_MLX_KEYS = {
    "model": ("model", "optional_text"),
    "numLayers": ("num_layers", "layers"),
    "cacheDir": ("cache_dir", "optional_text"),
}


def _read_section(raw: dict, spec: dict, optional: dict, prefix: str, problems: list[str]) -> dict:
    values = {}
    for key in raw:
        if key not in spec and key not in optional:
            problems.append(f"{prefix}{key}: unknown key")
    for key, (attribute, kind) in {**spec, **optional}.items():
        if key not in raw:
            if key in spec:
                problems.append(f"{prefix}{key}: missing")
            continue
        test, expected = _KINDS[kind]
        if not test(raw[key]):
            problems.append(f"{prefix}{key}: expected {expected}, got {json.dumps(raw[key])}")
        else:
            values[attribute] = raw[key]
    return values


def parse_config(raw: object) -> TrainConfig:
    """Validates the JSON object; raises ConfigError naming every bad key path."""
    if not isinstance(raw, dict):
        raise ConfigError("the training config must be a JSON object")
    problems: list[str] = []
    lora_raw = raw.get("lora")
    mlx_raw = raw.get("mlx", {})
    rest = {k: v for k, v in raw.items() if k not in ("lora", "mlx")}
    top = _read_section(rest, _TOP_KEYS, _OPTIONAL_KEYS, "", problems)
    if not isinstance(mlx_raw, dict):
        problems.append("mlx: expected an object")
        mlx_raw = {}
    mlx = _read_section(mlx_raw, {}, _MLX_KEYS, "mlx.", problems)
    if not isinstance(lora_raw, dict):
        problems.append("lora: missing" if lora_raw is None else "lora: expected an object")
        lora = {}
    else:
        lora = _read_section(lora_raw, _LORA_KEYS, _LORA_OPTIONAL_KEYS, "lora.", problems)
    if problems:
        raise ConfigError("invalid training config:\n" + "\n".join(f"  - {p}" for p in problems))
    top.pop("version", None)
    top["mlx"] = MlxSettings(**mlx)
    lora["target_modules"] = tuple(lora["target_modules"])
    lora["modules_to_save"] = tuple(lora.get("modules_to_save", ()))
    return TrainConfig(lora=LoraSettings(**lora), **top)


def load_config(path: str | Path) -> TrainConfig:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read the training config {path}: {error.strerror or error}") from error
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise ConfigError(f"{path}: not valid JSON ({error})") from error
    try:
        return parse_config(raw)
    except ConfigError as error:
        raise ConfigError(f"{path}: {error}") from None
