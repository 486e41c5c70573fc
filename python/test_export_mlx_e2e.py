"""export.py for real on an adapter the mlx backend trained: the rehearsal's tiny Qwen2,
converted to 4-bit MLX and trained two steps by train.py (MLX's CPU backend on Linux), then
cell 06's worker with route llama.cpp and q8_0 — mlx-lm's fuse with de-quantization, the
training frame as chat_template, the reference generations with transformers, llama.cpp's
converter from node-llama-cpp's bundle — and the GGUF read back and put through cell 06's
own parity check (lib/export/parity.ts) in the embedded llama.cpp. Skipped, saying why, where mlx-lm, the converter or node_modules is missing.
"""
import contextlib
import io
import json
import subprocess
import sys
import unittest
from pathlib import Path

import export
from export_merge import alpaca_chat_template
from gguf_probe import converter_or_reason, export_parity, gguf_fields, node_llama_cpp_or_reason
from mlx_test_case import HAS_MLX, NO_MLX, TinyMlxCase, example
from prompting import render_prompt

TRAIN = Path(__file__).parent / "train.py"
INSTRUCTION = example(0)["instruction"]
PROMPTS = [render_prompt(INSTRUCTION, example(20)["input"]), render_prompt(INSTRUCTION, example(21)["input"])]
FIELDS = ("general.architecture", "tokenizer.ggml.pre", "general.file_type", "tokenizer.chat_template", "tokenizer.ggml.eos_token_id")


@unittest.skipUnless(HAS_MLX, NO_MLX)
class MlxExportEndToEndTest(TinyMlxCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.llama, why_not = converter_or_reason()
        if cls.llama is None:
            raise unittest.SkipTest(why_not)
        run = cls.root / "run"
        run.mkdir()
        (run / "joco-train.json").write_text(json.dumps(cls.config(cls, maxSteps=2, evalSteps=100, saveSteps=100)))
        trained = subprocess.run([sys.executable, str(TRAIN), "--config", "joco-train.json"], cwd=run, capture_output=True, text=True, timeout=600)
        if trained.returncode != 0:
            raise AssertionError(f"train.py failed: {trained.stderr[-3000:]}")
        cls.config_file = cls.root / "export-config.json"
        cls.export_config = {
            "adapter": str(run / "joco-lora"), "baseModel": str(cls.root / "tiny"), "outputDir": str(cls.root / "gguf"),
            "mergedDir": str(cls.root / "merged"), "quantization": "q8_0", "route": "llama.cpp", "instruction": INSTRUCTION,
            "maxSeqLength": 256, "loadIn4bit": True, "reference": {"prompts": PROMPTS, "maxNewTokens": 6},
        }
        cls.config_file.write_text(json.dumps(cls.export_config))
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            cls.code = export.main([str(cls.config_file)])
        cls.events = [json.loads(line) for line in out.getvalue().splitlines()]

    def test_done_names_the_mlx_fuse_and_a_q8_0_gguf(self):
        done = self.events[-1]
        self.assertEqual((self.code, done["event"], done["route"], done["quantization"], done["format"]), (0, "done", "llama.cpp", "q8_0", "gguf"), self.events)
        self.assertEqual((done["merged"], done["eos_token"]), ("mlx fuse (de-quantized)", "<|endoftext|>"))
        self.assertEqual(done["path"], str(self.root / "gguf" / "joco.Q8_0.gguf"))
        stages = [e["stage"] for e in self.events if e["event"] == "step"]
        self.assertEqual(stages[:2], ["merge", "merge"])
        self.assertIn("reference", stages)

    def test_the_gguf_is_qwen2_with_the_training_frame(self):
        fields = gguf_fields(self.events[-1]["path"], FIELDS)
        self.assertEqual(fields, {
            "general.architecture": "qwen2", "tokenizer.ggml.pre": "qwen2", "general.file_type": 7,  # MOSTLY_Q8_0
            "tokenizer.chat_template": alpaca_chat_template(INSTRUCTION, "<|endoftext|>"), "tokenizer.ggml.eos_token_id": 151643,
        })

    def test_the_fused_folder_is_16_bit_with_the_frame_in_its_tokenizer(self):
        merged = self.root / "merged"
        config = json.loads((merged / "config.json").read_text())
        self.assertNotIn("quantization", config)
        self.assertEqual(config["torch_dtype"], "bfloat16")
        frame = alpaca_chat_template(INSTRUCTION, "<|endoftext|>")
        self.assertEqual(json.loads((merged / "tokenizer_config.json").read_text())["chat_template"], frame)
        self.assertEqual((merged / "chat_template.jinja").read_text(), frame)

    def test_the_reference_generations_are_the_fused_models(self):
        reference = json.loads((self.root / "gguf" / "reference.json").read_text())
        self.assertEqual(self.events[-1]["reference"], str(self.root / "gguf" / "reference.json"))
        self.assertEqual((reference["model"], reference["dtype"], reference["stop_ids"]), (str(self.root / "merged"), "float32", [151643]))
        self.assertEqual([g["prompt"] for g in reference["generations"]], PROMPTS)
        for generation in reference["generations"]:
            self.assertTrue(1 <= len(generation["ids"]) == len(generation["margins"]) <= 6)

    def test_06s_parity_check_passes_in_the_embedded_llama_cpp(self):
        why_not = node_llama_cpp_or_reason()
        if why_not:
            self.skipTest(why_not)
        done = self.events[-1]
        [result] = export_parity(done["files"], done["reference"], self.root)
        self.assertEqual((result["quantization"], result["exact"], result["total"]), ("q8_0", True, 2))
        self.assertEqual(result["matched"] + result["ties"], 2)
        self.assertTrue(all(result["got"]), result)  # llama.cpp generated text for each prompt

    def test_the_ollama_route_takes_the_fused_folder_with_a_top_level_rope_theta(self):
        cache = {"merged": (str(self.root / "merged"), "<|endoftext|>")}
        result = export.export_for_ollama(self.export_config, None, cache)
        self.assertEqual((result["format"], result["ollama_quantize"]), ("safetensors", "q8_0"))
        self.assertEqual(json.loads((self.root / "merged" / "config.json").read_text())["rope_theta"], 1000000.0)


if __name__ == "__main__":
    unittest.main()
