"""The loss of the hf backend: next-token cross-entropy on the response positions only,
with logits computed for those positions alone.

A causal LM's own loss projects every position onto the vocabulary before the
labels mask most of them away. Here the prompt (a diff of up to ~2,000 tokens)
is masked and the response is ~15 tokens, so that is nearly all waste: for
Qwen2.5-Coder-1.5B at 2,048 tokens, 1.2 GB of float32 logits per example; on
the tiny rehearsal model, about five times the training time (DESIGN §8). So the
decoder body runs as usual, the hidden states that predict a response token are
gathered, and only they go through the output head. The result equals the full
masked loss (test_train_real.py checks it on the same batch).

torch is imported by the caller's process; this module is imported only by
backend_hf.prepare and the tests that have torch.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from train_data import IGNORE_INDEX


def body_and_head(model):
    """(decoder body, output head) of a causal LM, through a PEFT wrapper when there is one.
    The head may be peft's ModulesToSaveWrapper (modules_to_save=["lm_head"]): calling it uses the trained copy."""
    causal_lm = model.get_base_model() if hasattr(model, "get_base_model") else model
    return causal_lm.get_decoder(), causal_lm.get_output_embeddings()


def response_only_loss(model, input_ids, attention_mask, labels, num_items_in_batch=None):
    """Cross-entropy over the positions whose next token is labelled (labels shifted by one, as the
    model's own loss does): summed, then divided by num_items_in_batch when the Trainer counts
    the labelled tokens across gradient accumulation, else by this batch's count (a mean)."""
    body, head = body_and_head(model)
    hidden = body(input_ids=input_ids, attention_mask=attention_mask, use_cache=False).last_hidden_state
    targets = labels[:, 1:]
    wanted = targets != IGNORE_INDEX
    logits = head(hidden[:, :-1][wanted]).float()  # [labelled positions, vocabulary]
    total = F.cross_entropy(logits, targets[wanted], reduction="sum")
    divisor = num_items_in_batch if num_items_in_batch is not None else wanted.sum().clamp(min=1)
    if torch.is_tensor(divisor):
        divisor = divisor.to(total.device)
    return total / divisor


def full_logits_loss(model, input_ids, attention_mask, labels):
    """The reference: the model's own masked loss, with logits for every position."""
    return model(input_ids=input_ids, attention_mask=attention_mask, labels=labels, use_cache=False).loss


def response_only_trainer(trainer_class: type) -> type:
    """A transformers Trainer subclass whose loss is response_only_loss. The Trainer's rule for
    gradient accumulation holds: when it passes num_items_in_batch it does not divide the loss
    again, and when it passes None it divides the batch mean by the accumulation steps."""

    class ResponseOnlyTrainer(trainer_class):
        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            loss = response_only_loss(model, inputs["input_ids"], inputs["attention_mask"], inputs["labels"], num_items_in_batch)
            return (loss, {"loss": loss}) if return_outputs else loss

    return ResponseOnlyTrainer
