"""tiny_model.py builds a Qwen2 that the real stack loads offline, with Qwen2.5-Coder's tokenizer set-up.
Skipped, saying why, where torch is not importable (the pure-logic tests run on any Python)."""
import importlib.util
import json
import os
import tempfile
import unittest
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
HAS_TORCH = importlib.util.find_spec("torch") is not None
NO_TORCH = "torch is not importable here: run `npm run setup:python` and the tests with .venv/bin/python"

from tiny_model import DEFAULT_TOKENIZER, build_tiny_model  # noqa: E402

NO_TOKENIZER = f"{DEFAULT_TOKENIZER} is missing: run `npm ci`"


@unittest.skipUnless(HAS_TORCH, NO_TORCH)
@unittest.skipUnless((DEFAULT_TOKENIZER / "tokenizer.json").is_file(), NO_TOKENIZER)
class TinyModelTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.folder = tempfile.TemporaryDirectory()
        root = Path(cls.folder.name)
        cls.summary = build_tiny_model(root / "a", seed=7)
        build_tiny_model(root / "b", seed=7)
        cls.root = root

    @classmethod
    def tearDownClass(cls):
        cls.folder.cleanup()

    def test_loads_with_the_auto_classes_as_an_untied_qwen2(self):
        from transformers import AutoModelForCausalLM

        model = AutoModelForCausalLM.from_pretrained(self.root / "a")
        self.assertEqual(type(model).__name__, "Qwen2ForCausalLM")
        self.assertEqual((model.config.hidden_size, model.config.num_hidden_layers), (64, 2))
        self.assertFalse(model.config.tie_word_embeddings)
        self.assertNotEqual(model.lm_head.weight.data_ptr(), model.model.embed_tokens.weight.data_ptr())
        self.assertEqual(model.config.vocab_size, 151665)
        self.assertEqual(model.config.eos_token_id, 151643)
        self.assertTrue((self.root / "a" / "model.safetensors").is_file())

    def test_the_tokenizer_is_qwen25_coders_base_set_up(self):
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(self.root / "a")
        self.assertEqual(len(tokenizer), 151665)
        self.assertEqual((tokenizer.eos_token, tokenizer.pad_token, tokenizer.bos_token), ("<|endoftext|>", "<|endoftext|>", None))
        self.assertEqual(tokenizer.convert_tokens_to_ids(["<|endoftext|>", "<|im_end|>", "<|file_sep|>"]), [151643, 151645, 151664])
        self.assertEqual(len(tokenizer("<think>")["input_ids"]), 3, "Qwen3's <think> is not a token of Qwen2.5")
        text = "### Response:\nfix(parser): handle tabs<|endoftext|>"
        ids = tokenizer(text)["input_ids"]
        self.assertEqual(ids[-1], 151643, "no BOS is added and the EOS is one token")
        self.assertEqual(tokenizer.decode(ids), text)

    def test_the_same_seed_gives_the_same_files(self):
        for name in ("model.safetensors", "config.json", "tokenizer.json", "tokenizer_config.json"):
            self.assertEqual(Path(self.root, "a", name).read_bytes(), Path(self.root, "b", name).read_bytes(), name)
        self.assertEqual(json.loads(Path(self.root, "a", "config.json").read_text())["rope_parameters"]["rope_theta"], 1e6)
        self.assertGreater(self.summary["parameters"], 19_000_000)


if __name__ == "__main__":
    unittest.main()
