"""The transformers + peft backend: CUDA, Apple MPS or CPU; trl is not needed.

Examples are tokenized here (prompt and response separately, labels masked on the
prompt, each ending with the EOS; see train_data.py) and padded by a collator that
keeps the EOS in the loss. The loss is computed on the response positions alone
(train_loss.py). 4-bit (QLoRA) when CUDA and bitsandbytes are there and loadIn4bit
is set; 16-bit (bf16) on CUDA otherwise; float32 on MPS and CPU, where mixed
precision is not reliable. LoRA rank, alpha, target modules and modules_to_save
come from the config: the tiny rehearsal model trains its embeddings and output
head through modules_to_save, on this same code path. Written for transformers 5
(`dtype=`). Heavy imports stay inside `prepare`.
"""
from __future__ import annotations

import dataclasses
import importlib.util
from typing import Callable

from train_config import TrainConfig
from train_control import PreparedTraining, pick_supported, resolve_base_model, training_arguments
from train_data import pad_batch, tokenize_splits


def pick_device(torch) -> str:
    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


def describe_device(torch, device: str) -> str:
    if device == "cuda":
        return f"cuda ({torch.cuda.get_device_name(0)})"
    return {"mps": "mps (Apple Silicon)", "cpu": "cpu"}[device]


def make_collator(torch, pad_id: int):
    def collate(features):
        return {key: torch.tensor(rows, dtype=torch.long) for key, rows in pad_batch(features, pad_id).items()}

    return collate


def prepare(config: TrainConfig, train_examples: list[dict], validation_examples: list[dict], note: Callable[[str], None]) -> PreparedTraining:
    import torch
    import transformers
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer, Trainer, TrainerCallback, TrainingArguments

    from train_loss import response_only_trainer

    # Seeded before the model exists: peft draws the LoRA A matrices from torch's generator when it
    # wraps the model, ahead of the Trainer's own seeding, so without this no two runs would match.
    transformers.set_seed(config.seed)
    device = pick_device(torch)
    four_bit = device == "cuda" and config.load_in_4bit and importlib.util.find_spec("bitsandbytes") is not None
    base_model, base_note = resolve_base_model(config.base_model, four_bit)
    if base_note:
        note(base_note)
    elif config.load_in_4bit and not four_bit:
        note(f"4-bit loading needs bitsandbytes on CUDA; training 16/32-bit LoRA on {device}")

    tokenizer = AutoTokenizer.from_pretrained(base_model)
    splits = tokenize_splits(tokenizer, base_model, train_examples, validation_examples, config.max_seq_length)
    train_rows, validation_rows = splits.train, splits.validation
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id

    bf16 = device == "cuda" and torch.cuda.is_bf16_supported()
    model_arguments = {"dtype": torch.bfloat16 if bf16 else torch.float32}
    if four_bit:
        from peft import prepare_model_for_kbit_training
        from transformers import BitsAndBytesConfig

        model_arguments["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=torch.bfloat16 if bf16 else torch.float16,
        )
        model_arguments["device_map"] = {"": 0}
    note(f"loading {base_model} on {device}")
    model = AutoModelForCausalLM.from_pretrained(base_model, **model_arguments)
    if four_bit:
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=config.gradient_checkpointing)
    model.config.use_cache = False
    model = get_peft_model(model, LoraConfig(
        r=config.lora.r, lora_alpha=config.lora.alpha, lora_dropout=config.lora.dropout,
        target_modules=list(config.lora.target_modules), modules_to_save=list(config.lora.modules_to_save) or None,
        bias="none", task_type="CAUSAL_LM",
    ))

    wanted = {
        **training_arguments(config, bool(validation_rows)),
        # torch's fused AdamW is several times faster than the default per-tensor loop on the CPU too,
        # which matters when modules_to_save trains a 151k-token embedding and head.
        "optim": "paged_adamw_8bit" if four_bit else "adamw_torch_fused" if device in ("cpu", "cuda") else "adamw_torch",
        "bf16": bf16,
        "gradient_checkpointing": config.gradient_checkpointing,
        "gradient_checkpointing_kwargs": {"use_reentrant": False},
        "remove_unused_columns": False,
        "dataloader_pin_memory": device == "cuda",
        "use_cpu": device == "cpu",
    }
    arguments, dropped = pick_supported({field.name for field in dataclasses.fields(TrainingArguments)}, wanted)
    if dropped:
        note(f"transformers {transformers.__version__} does not know {', '.join(dropped)}; left at its defaults")
    trainer = response_only_trainer(Trainer)(
        model=model,
        args=TrainingArguments(**arguments),
        train_dataset=train_rows,
        eval_dataset=validation_rows or None,
        data_collator=make_collator(torch, pad_id),
    )

    def save(folder: str) -> None:
        model.save_pretrained(folder)
        tokenizer.save_pretrained(folder)

    return PreparedTraining(
        trainer=trainer, callback_base=TrainerCallback, backend="hf", device=describe_device(torch, device),
        base_model=base_model, eos_token=tokenizer.eos_token, train_stats=splits.train_stats,
        validation_stats=splits.validation_stats, save=save,
    )
