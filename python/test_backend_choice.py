"""Which backend `auto` picks, and the mlx memory guidance doctor shows; no torch or mlx needed."""
import json
import subprocess
import sys
import unittest
from dataclasses import replace
from pathlib import Path

from backend_choice import Machine, choose, detect_machine
from mlx_memory import architecture_for, budget_gb, estimate_mlx_memory, guidance_for
from train_control import BackendError

MAC = Machine(system="Darwin", arch="arm64", cuda=False, unsloth=False, mlx=True, memory_bytes=8 * 2**30)
LINUX = Machine(system="Linux", arch="x86_64", cuda=False, unsloth=False, mlx=False, memory_bytes=24 * 10**9)
GPU = replace(LINUX, cuda=True, unsloth=True)
DEFAULTS = {"base_model": "unsloth/Qwen2.5-Coder-1.5B-bnb-4bit", "max_seq_length": 2048, "batch_size": 1, "num_layers": -1,
            "lora_r": 16, "gradient_checkpointing": True}


class ChooseTest(unittest.TestCase):
    def test_auto_picks_unsloth_on_cuda_mlx_on_apple_silicon_and_hf_elsewhere(self):
        self.assertEqual(choose("auto", GPU).backend, "unsloth")
        self.assertEqual(choose("auto", MAC).backend, "mlx")
        self.assertEqual(choose("auto", LINUX).backend, "hf")
        self.assertIsNone(choose("auto", MAC).note)

    def test_every_fallback_says_why(self):
        no_mlx = choose("auto", replace(MAC, mlx=False))
        self.assertEqual(no_mlx.backend, "hf")
        self.assertIn("mlx-lm is not installed", no_mlx.reason)
        self.assertIn("setup:python -- --with-mlx", no_mlx.note)
        self.assertIn("on MPS", no_mlx.note)
        self.assertIn("unsloth is not installed", choose("auto", replace(GPU, unsloth=False)).reason)
        self.assertIn("no CUDA GPU and not Apple silicon", choose("auto", LINUX).note)
        rosetta = choose("auto", replace(MAC, arch="x86_64", rosetta=True))
        self.assertIn("Rosetta", rosetta.reason)

    def test_mlx_on_request_needs_mlx_lm_and_says_when_it_runs_on_the_cpu(self):
        self.assertIsNone(choose("mlx", MAC).note)
        self.assertIn("on the CPU", choose("mlx", replace(LINUX, mlx=True)).note)
        with self.assertRaises(BackendError) as caught:
            choose("mlx", LINUX)
        self.assertIn("setup:python -- --with-mlx", caught.exception.hint)

    def test_unsloth_and_hf_on_request_behave_as_before(self):
        self.assertEqual(choose("hf", GPU).backend, "hf")
        with self.assertRaisesRegex(BackendError, "needs an NVIDIA GPU"):
            choose("unsloth", MAC)

    def test_cuda_is_not_probed_on_apple_silicon_or_when_told_not_to(self):
        def probe():
            raise AssertionError("probed")

        machine = detect_machine(None)
        self.assertFalse(machine.cuda)
        if machine.apple_silicon:
            self.assertFalse(detect_machine(probe).cuda)


class MemoryTest(unittest.TestCase):
    def test_the_estimate_adds_up_and_grows_with_what_it_should(self):
        estimate = estimate_mlx_memory(**DEFAULTS)
        parts = ("weights", "lora_and_adam", "activations", "logits", "overhead")
        self.assertAlmostEqual(estimate["total_gb"], sum(estimate[p] for p in parts), delta=0.1)
        self.assertAlmostEqual(estimate["weights"], 0.87, delta=0.01)  # 1.54B weights at 4.5 bits
        self.assertEqual(estimate["lora_blocks"], 28)
        fewer = estimate_mlx_memory(**{**DEFAULTS, "num_layers": 8})
        shorter = estimate_mlx_memory(**{**DEFAULTS, "max_seq_length": 1024})
        no_checkpointing = estimate_mlx_memory(**{**DEFAULTS, "gradient_checkpointing": False})
        self.assertLess(fewer["total_gb"], estimate["total_gb"])
        self.assertLess(shorter["total_gb"], estimate["total_gb"])
        self.assertGreater(no_checkpointing["total_gb"], 2 * estimate["total_gb"])

    def test_model_sizes_come_from_the_name(self):
        self.assertEqual(architecture_for("Qwen/Qwen2.5-Coder-0.5B")[0].layers, 24)
        self.assertEqual(architecture_for("mystery-model"), (architecture_for("x-1.5B")[0], False))

    def test_an_8_gb_mac_is_told_to_train_fewer_layers(self):
        guidance = guidance_for(8 * 2**30, DEFAULTS, estimate_mlx_memory(**DEFAULTS))
        self.assertFalse(guidance["fits"])
        self.assertEqual(guidance["changes"], {"training.mlx.numLayers": 16})
        self.assertIn("training.mlx.numLayers 16", guidance["message"])
        self.assertEqual(budget_gb(8 * 2**30), 5.1)

    def test_a_16_gb_mac_fits_the_defaults_and_nothing_fits_2_gb(self):
        self.assertTrue(guidance_for(16 * 2**30, DEFAULTS, estimate_mlx_memory(**DEFAULTS))["fits"])
        hopeless = guidance_for(2 * 2**30 + 4 * 10**9, DEFAULTS, estimate_mlx_memory(**DEFAULTS))
        self.assertFalse(hopeless["fits"])
        self.assertIn("smaller training.baseModel", hopeless["message"])
        self.assertIsNone(guidance_for(None, DEFAULTS, estimate_mlx_memory(**DEFAULTS))["fits"])


class CliTest(unittest.TestCase):
    def test_prints_one_json_object_for_doctor(self):
        script = Path(__file__).parent / "backend_choice.py"
        result = subprocess.run([sys.executable, str(script), "--backend", "auto", "--num-layers", "8"],
                                capture_output=True, text=True, timeout=60, check=True)
        report = json.loads(result.stdout)
        self.assertIn(report["backend"], ("unsloth", "mlx", "hf"))
        self.assertTrue(report["reason"].startswith("auto: "))
        self.assertEqual(report["memory"]["estimate"]["lora_blocks"], 8)
        self.assertIn("apple_silicon", report["machine"])


if __name__ == "__main__":
    unittest.main()
