"""export.py for real: a tiny random Qwen2 with the real Qwen tokenizer and a random LoRA on it →
peft merge → llama.cpp's converter from node-llama-cpp's bundle → Q8_0 GGUF, whose metadata is
then read back. About 40 s on two cores (the first run also unpacks the bundle, ~7 s, cached in
~/.cache/joco). Skipped, with the reason, where the training stack or the bundle is missing."""
import contextlib
import importlib.util
import io
import json
import logging
import shutil
import sys
import tempfile
import unittest
from pathlib import Path

import export
from export_merge import alpaca_chat_template
from llama_tools import BUNDLE, cache_dir, extract_bundle
from tiny_fixture import TOKENIZER

NEEDED = ("torch", "transformers", "peft", "safetensors", "sentencepiece")
MISSING = [m for m in NEEDED if importlib.util.find_spec(m) is None]
INSTRUCTION = "Write a Conventional Commit message for this git diff."
PROMPTS = [f"### Instruction:\n{INSTRUCTION}\n\n### Input:\ndiff --git a/x.py b/x.py\n+print('hi')\n\n### Response:\n", "def fib(n):\n    return"]


def gguf_reader():
    """pip's gguf reads any GGUF; without it, the bundle's own gguf-py."""
    if importlib.util.find_spec("gguf") is None:
        root, _ = extract_bundle(BUNDLE, cache_dir())
        sys.path.append(str(root / "gguf-py"))
    from gguf import GGUFReader

    return GGUFReader


@unittest.skipIf(MISSING, f"needs {', '.join(MISSING)} (npm run setup:python)")
@unittest.skipUnless(BUNDLE.is_file() and TOKENIZER.is_dir(), "needs node_modules (npm ci): the llama.cpp bundle and the Qwen tokenizer")
@unittest.skipUnless(shutil.which("git"), "git is not on PATH (it unpacks the bundle)")
class ExportEndToEndTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        from tiny_fixture import build_random_adapter, build_tiny_model

        cls.folder = Path(tempfile.mkdtemp())
        build_random_adapter(build_tiny_model(cls.folder / "base"), cls.folder / "lora")
        cls.config = {
            "adapter": str(cls.folder / "lora"), "baseModel": str(cls.folder / "base"), "outputDir": str(cls.folder / "gguf"),
            "mergedDir": str(cls.folder / "merged"), "quantization": "q8_0", "route": "llama.cpp", "instruction": INSTRUCTION,
            "reference": {"prompts": PROMPTS, "maxNewTokens": 8},
        }
        (cls.folder / "export.json").write_text(json.dumps(cls.config))
        out = io.StringIO()
        cls.logged = _Records()
        logging.getLogger("transformers").addHandler(cls.logged)
        try:
            with contextlib.redirect_stdout(out):
                cls.code = export.main([str(cls.folder / "export.json")])
        finally:
            logging.getLogger("transformers").removeHandler(cls.logged)
        cls.events = [json.loads(line) for line in out.getvalue().splitlines()]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.folder, ignore_errors=True)

    def test_the_gguf_is_qwen2_with_the_training_frame(self):
        done = self.events[-1]
        self.assertEqual((self.code, done["event"], done["route"], done["quantization"]), (0, "done", "llama.cpp", "q8_0"), self.events)
        self.assertEqual(done["path"], str(self.folder / "gguf" / "joco.Q8_0.gguf"))
        reader = gguf_reader()(done["path"])
        field = lambda key: reader.fields[key].contents() if key in reader.fields else None  # noqa: E731
        self.assertEqual(field("general.architecture"), "qwen2")
        self.assertEqual(field("tokenizer.ggml.pre"), "qwen2")  # the converter recognised the real Qwen tokenizer
        self.assertEqual(field("general.file_type"), 7)  # LlamaFileType.MOSTLY_Q8_0
        self.assertEqual(field("tokenizer.chat_template"), alpaca_chat_template(INSTRUCTION, "<|endoftext|>"))
        self.assertEqual(field("tokenizer.ggml.eos_token_id"), 151643)
        self.assertEqual(field("qwen2.rope.freq_base"), 1000000.0)
        self.assertEqual([p.name for p in (self.folder / "gguf").iterdir() if p.name.startswith(".")], [])  # no partial file

    def test_the_merge_uses_transformers_5s_arguments(self):
        # torch_dtype= is deprecated in transformers 5 (dtype=); low_cpu_mem_usage= and safe_serialization= are ignored.
        self.assertEqual([m for m in self.logged.messages if "deprecated" in m], [])

    def test_the_merge_took_the_adapters_lm_head(self):
        from safetensors.torch import load_file

        adapter = load_file(str(self.folder / "lora" / "adapter_model.safetensors"))
        trained = next(v for k, v in adapter.items() if "lm_head" in k)
        merged = load_file(str(self.folder / "merged" / "model.safetensors"))["lm_head.weight"]
        base = load_file(str(self.folder / "base" / "model.safetensors"))["lm_head.weight"]
        self.assertLess((merged.float() - trained.float()).abs().max().item(), 1e-2)  # bfloat16 rounding
        self.assertGreater((merged.float() - base.float()).abs().max().item(), 1e-2)

    def test_the_reference_generations_are_written(self):
        reference = json.loads(Path(self.events[-1]["reference"]).read_text())
        self.assertEqual(len(reference["generations"]), 2)
        first = reference["generations"][0]
        self.assertEqual(len(first["ids"]), len(first["margins"]))
        self.assertEqual((reference["dtype"], reference["stop_ids"]), ("float32", [151643]))
        self.assertTrue(1 <= len(first["ids"]) <= 8)

    def test_transformers_5_nests_rope_theta_and_the_ollama_route_restores_it(self):
        merged = self.folder / "merged"
        self.assertNotIn("rope_theta", json.loads((merged / "config.json").read_text()))
        export.export_for_ollama(self.config, None, {"merged": (str(merged), "<|endoftext|>")})
        self.assertEqual(json.loads((merged / "config.json").read_text())["rope_theta"], 1000000.0)


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


if __name__ == "__main__":
    unittest.main()
