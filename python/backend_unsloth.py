"""The Unsloth backend (NVIDIA CUDA): FastLanguageModel in 4-bit, LoRA from the
config (modules_to_save too, for the tiny rehearsal model), supervised fine-tuning
with trl's SFTTrainer, and Unsloth's `train_on_responses_only` so the loss covers
the commit message only. Its versions are python/requirements-unsloth.txt; it is
exercised on a GPU machine only (python/smoke_gpu.py --backend unsloth).

The texts are rendered by train_data.render_dataset: the training frame, the diff
cut to its token budget, and the tokenizer's EOS at the end. Heavy imports stay
inside `prepare`; unsloth is imported first so that it can patch transformers and trl.
"""
from __future__ import annotations

import dataclasses
import inspect
from typing import Callable

from train_config import TrainConfig
from train_control import PreparedTraining, pick_supported, training_arguments
from train_data import render_dataset

# The parts of prompting.render_prompt that open the instruction and the response.
INSTRUCTION_PART = "### Instruction:\n"
RESPONSE_PART = "### Response:\n"


def prepare(config: TrainConfig, train_examples: list[dict], validation_examples: list[dict], note: Callable[[str], None]) -> PreparedTraining:
    from unsloth import FastLanguageModel, is_bfloat16_supported  # noqa: I001 (must come first)
    from unsloth.chat_templates import train_on_responses_only
    import torch
    from datasets import Dataset
    from transformers import TrainerCallback
    from trl import SFTConfig, SFTTrainer

    note(f"loading {config.base_model} with Unsloth (4-bit: {config.load_in_4bit})")
    model, tokenizer = FastLanguageModel.from_pretrained(
        model_name=config.base_model, max_seq_length=config.max_seq_length, dtype=None, load_in_4bit=config.load_in_4bit,
    )
    model = FastLanguageModel.get_peft_model(
        model, r=config.lora.r, lora_alpha=config.lora.alpha, lora_dropout=config.lora.dropout,
        target_modules=list(config.lora.target_modules), modules_to_save=list(config.lora.modules_to_save) or None,
        bias="none", use_gradient_checkpointing="unsloth" if config.gradient_checkpointing else False, random_state=config.seed,
    )
    if not tokenizer.eos_token:
        raise ValueError(f"the tokenizer of {config.base_model} has no EOS token: the model could not learn to stop")

    def count_tokens(text: str) -> int:
        return len(tokenizer(text, add_special_tokens=False)["input_ids"])

    train_texts, train_stats = render_dataset(train_examples, count_tokens, tokenizer.eos_token, config.max_seq_length)
    validation_texts, validation_stats = render_dataset(validation_examples, count_tokens, tokenizer.eos_token, config.max_seq_length)
    if not train_texts:
        raise ValueError(f"no training example fits in maxSeqLength {config.max_seq_length}: raise training.maxSeqLength")

    bf16 = is_bfloat16_supported()
    wanted = {
        **training_arguments(config, bool(validation_texts)),
        "optim": "adamw_8bit",
        "bf16": bf16,
        "fp16": not bf16,
        "dataset_text_field": "text",
        "max_length": config.max_seq_length,
        "packing": False,
        "dataset_num_proc": 1,
    }
    arguments, dropped = pick_supported({field.name for field in dataclasses.fields(SFTConfig)}, wanted)
    if dropped:
        note(f"this trl does not know {', '.join(dropped)}; left at its defaults")
    # trl ≥ 0.12 calls it processing_class; Unsloth's patched trainer may accept only **kwargs.
    trainer_arguments, _ = pick_supported(set(inspect.signature(SFTTrainer.__init__).parameters), {"processing_class": tokenizer})
    trainer_arguments = trainer_arguments or {"processing_class": tokenizer}
    trainer = SFTTrainer(
        model=model,
        args=SFTConfig(**arguments),
        train_dataset=Dataset.from_dict({"text": train_texts}),
        eval_dataset=Dataset.from_dict({"text": validation_texts}) if validation_texts else None,
        **trainer_arguments,
    )
    trainer = train_on_responses_only(trainer, instruction_part=INSTRUCTION_PART, response_part=RESPONSE_PART)

    def save(folder: str) -> None:
        model.save_pretrained(folder)
        tokenizer.save_pretrained(folder)

    return PreparedTraining(
        trainer=trainer, callback_base=TrainerCallback, backend="unsloth",
        device=f"cuda ({torch.cuda.get_device_name(0)})", base_model=config.base_model, eos_token=tokenizer.eos_token,
        train_stats=train_stats, validation_stats=validation_stats, save=save,
    )
