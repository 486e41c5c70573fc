"""The mlx backend: LoRA with mlx-lm on Apple silicon (Metal), or on MLX's CPU
backend elsewhere (`mlx[cpu]`, for tests).

Same data as the hf backend — train_data.tokenize_splits: the Alpaca frame, the diff
cut to its token budget, the tokenizer's EOS — handed to mlx-lm as (tokens, offset)
pairs, its prompt-masking form, so the loss covers the response only. The loss is
ours, for two reasons measured here: mlx-lm's default_loss computes logits for every
position (151,936 floats each: 1.2 GB per 2,048-token example, the difference
between fitting an 8 GB Mac or not), and its mask also counts the padding position
after the last token, so the model would learn to predict a pad after EOS.
lora.modulesToSave (the tiny rehearsal model's embeddings and head) are trained in
full beside the LoRA; mlx_base.py leaves them unquantized. Heavy imports stay inside
`prepare`.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

from mlx_plan import adapter_config, lora_keys, lora_parameters, matches_module, plan_steps, response_window, to_mlx_rows
from train_config import TrainConfig
from train_control import PreparedTraining
from train_data import tokenize_splits

RECORD_FILE = "joco-mlx.json"  # beside the adapter: which MLX base it was trained on (06-export reads it)


def make_response_loss(mx, nn, window: int):
    """(model, batch, lengths) → (mean loss, tokens), as mlx-lm's loss functions; `lengths`
    holds (offset, length) per row. Logits only for the `window` positions that predict
    response tokens: input position p predicts token p + 1, so offset - 1 … length - 2."""

    def loss(model, batch, lengths):
        inputs = batch[:, :-1]
        last = inputs.shape[1] - 1
        inner = getattr(model, "model", None)
        if inner is not None:
            hidden = inner(inputs)
            head = model.lm_head if "lm_head" in model else inner.embed_tokens.as_linear
        else:  # a model without the usual inner/head split: full logits, same positions
            hidden, head = model(inputs), (lambda x: x)
        positions = lengths[:, 0:1] - 1 + mx.arange(window)[None, :]
        valid = positions <= lengths[:, 1:2] - 2
        positions = mx.minimum(positions, last)
        picked = mx.take_along_axis(hidden, positions[..., None], axis=1)
        targets = mx.take_along_axis(batch, positions + 1, axis=1)
        losses = nn.losses.cross_entropy(head(picked).astype(mx.float32), targets) * valid
        count = valid.sum()
        return losses.sum() / count, count

    return loss


def make_optimizer(optim, config: TrainConfig, total_steps: int):
    """AdamW with the hf backend's settings: linear warm-up, then linear decay to 0."""
    peak = config.learning_rate
    warmup = min(config.warmup_steps, total_steps)
    decay = optim.linear_schedule(peak, 0.0, max(total_steps - warmup, 1))
    schedule = optim.join_schedules([optim.linear_schedule(0.0, peak, warmup), decay], [warmup]) if warmup else decay
    return optim.AdamW(learning_rate=schedule, weight_decay=0.01, bias_correction=True)


def train_in_full(model, names: tuple[str, ...]) -> list[str]:
    """lora.modulesToSave (peft's name): unfreeze these modules beside the LoRA matrices."""
    found = []
    for path, module in model.named_modules():
        if matches_module(path, names):
            if "scales" in module:
                raise ValueError(f"lora.modulesToSave: {path} is quantized and cannot be trained in full; "
                                 "use a model converted by this backend (it leaves these modules 16-bit)")
            module.unfreeze()
            found.append(path)
    missing = [name for name in names if not any(matches_module(path, (name,)) for path in found)]
    if missing:
        raise ValueError(f"lora.modulesToSave {missing} are not modules of the model")
    return found


def describe_device(mx) -> str:
    if mx.default_device() == mx.gpu and mx.metal.is_available():
        info = mx.device_info() if hasattr(mx, "device_info") else mx.metal.device_info()
        return f"mlx gpu ({info.get('device_name', 'Apple silicon')}, Metal)"
    return "mlx cpu"


def prepare(config: TrainConfig, train_examples: list[dict], validation_examples: list[dict], note: Callable[[str], None]) -> PreparedTraining:
    import mlx.core as mx
    import mlx.nn as nn
    import mlx.optimizers as optim
    from mlx_lm.tuner.utils import linear_to_lora_layers
    from mlx_lm.utils import load, load_model
    from transformers import AutoTokenizer

    from mlx_base import resolve_mlx_base
    from mlx_trainer import CallbackBase, MlxTrainer

    base = resolve_mlx_base(config, note)
    note(f"loading {base.path} with mlx-lm on {describe_device(mx)}")
    # load() would also build mlx-lm's own tokenizer (seconds, unused): a local folder needs the weights only.
    model = load_model(Path(base.path))[0] if Path(base.path).is_dir() else load(base.path)[0]
    # The transformers tokenizer of the same folder: token for token what the hf backend trains on.
    tokenizer = AutoTokenizer.from_pretrained(base.path)
    splits = tokenize_splits(tokenizer, base.path, train_examples, validation_examples, config.max_seq_length)
    train_rows, validation_rows = to_mlx_rows(splits.train), to_mlx_rows(splits.validation)
    plan = plan_steps(len(train_rows), config.batch_size, config.gradient_accumulation_steps, config.epochs, config.max_steps)
    if plan.left_out:
        note(f"mlx-lm batches by length: the {plan.left_out} longest examples do not fill a batch of {config.batch_size} and are left out")

    mx.random.seed(config.seed)  # the LoRA matrices' initialisation
    model.freeze()
    keys = lora_keys([name for name, _ in model.layers[0].named_modules()], config.lora.target_modules)
    parameters = lora_parameters(config.lora.r, config.lora.alpha, config.lora.dropout, keys)
    linear_to_lora_layers(model, config.mlx.num_layers, parameters)
    full = train_in_full(model, tuple(getattr(config.lora, "modules_to_save", ())))
    if full:
        note(f"training {', '.join(full)} in full beside the LoRA (lora.modulesToSave)")
    trainer = MlxTrainer(
        model=model, optimizer=make_optimizer(optim, config, plan.total_steps),
        loss=make_response_loss(mx, nn, response_window(train_rows + validation_rows)),
        train_rows=train_rows, validation_rows=validation_rows, plan=plan, config=config,
        adapter_config={**adapter_config(base.path, config.mlx.num_layers, parameters), "modules_to_save": full},
    )

    def save(folder: str) -> None:
        trainer.save_adapter(Path(folder))
        tokenizer.save_pretrained(folder)
        Path(folder, RECORD_FILE).write_text(json.dumps(base.record(), indent=2) + "\n", encoding="utf-8")

    return PreparedTraining(
        trainer=trainer, callback_base=CallbackBase, backend="mlx", device=describe_device(mx), base_model=base.path,
        eos_token=tokenizer.eos_token, train_stats=splits.train_stats, validation_stats=splits.validation_stats, save=save,
    )
