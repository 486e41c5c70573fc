import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

from prompting import render_prompt
from test_train_config import valid_config
from train_config import parse_config
from train_control import (
    BackendError, StopController, choose_backend, find_last_checkpoint, hint_for_error, pick_supported,
    resolve_base_model, resolve_resume, training_arguments,
)


def make_checkpoint(root: Path, step: int, complete: bool = True) -> Path:
    folder = root / f"checkpoint-{step}"
    folder.mkdir(parents=True)
    (folder / "adapter_model.safetensors").write_bytes(b"")
    if complete:
        (folder / "trainer_state.json").write_text("{}")
    return folder


class CheckpointTest(unittest.TestCase):
    def test_finds_the_highest_complete_checkpoint_by_number_not_by_name(self):
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            self.assertIsNone(find_last_checkpoint(root / "missing"))
            self.assertIsNone(find_last_checkpoint(root))
            for step in (50, 100, 9):
                make_checkpoint(root, step)
            make_checkpoint(root, 150, complete=False)  # killed while saving
            (root / "checkpoint-200").write_text("a file, not a folder")
            (root / "checkpoint-x").mkdir()
            self.assertEqual(find_last_checkpoint(root), (str(root / "checkpoint-100"), 100))

    def test_resume_argument_auto_or_an_explicit_checkpoint(self):
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            self.assertIsNone(resolve_resume(None, folder))
            self.assertIsNone(resolve_resume("auto", folder))
            make_checkpoint(root, 50)
            self.assertEqual(resolve_resume("auto", folder), (str(root / "checkpoint-50"), 50))
            self.assertEqual(resolve_resume(str(root / "checkpoint-50"), folder), (str(root / "checkpoint-50"), 50))
            make_checkpoint(root, 60, complete=False)
            with self.assertRaisesRegex(ValueError, "not a complete trainer checkpoint"):
                resolve_resume(str(root / "checkpoint-60"), folder)


class StopControllerTest(unittest.TestCase):
    def test_while_loading_a_signal_stops_at_once(self):
        stop = StopController()
        self.assertEqual(stop.on_signal("SIGINT", 10.0), "abort")

    def test_while_training_save_first_ignore_the_forwarded_copy_then_stop_now(self):
        stop = StopController()
        stop.phase = "training"
        self.assertFalse(stop.requested)
        self.assertEqual(stop.on_signal("SIGINT", 10.0), "stop")
        self.assertTrue(stop.requested)
        self.assertEqual(stop.on_signal("SIGINT", 10.2), "ignore", "the launcher forwards the Ctrl-C the terminal already sent")
        self.assertEqual(stop.on_signal("SIGINT", 10.0 + StopController.DUPLICATE_WINDOW_S + 1), "abort")
        self.assertEqual(stop.signal_name, "SIGINT")


class BackendChoiceTest(unittest.TestCase):
    def test_auto_takes_unsloth_only_with_cuda_and_says_why_not(self):
        self.assertEqual(choose_backend("auto", True, True), ("unsloth", None))
        self.assertEqual(choose_backend("auto", True, False)[0], "hf")
        self.assertIn("no CUDA GPU", choose_backend("auto", True, False)[1])
        self.assertIn("unsloth is not installed", choose_backend("auto", False, True)[1])
        self.assertEqual(choose_backend("hf", True, True), ("hf", None))

    def test_an_explicit_unsloth_without_its_needs_fails_with_a_hint(self):
        with self.assertRaises(BackendError) as caught:
            choose_backend("unsloth", True, False)
        self.assertIn('"hf"', caught.exception.hint)
        with self.assertRaises(BackendError) as caught:
            choose_backend("unsloth", False, True)
        self.assertIn("npm run setup:python", caught.exception.hint)

    def test_a_prequantized_base_model_falls_back_to_its_16_bit_release(self):
        self.assertEqual(resolve_base_model("unsloth/Qwen2.5-Coder-1.5B-bnb-4bit", True), ("unsloth/Qwen2.5-Coder-1.5B-bnb-4bit", None))
        name, note = resolve_base_model("unsloth/Qwen2.5-Coder-1.5B-bnb-4bit", False)
        self.assertEqual(name, "unsloth/Qwen2.5-Coder-1.5B")
        self.assertIn("bitsandbytes", note)
        self.assertEqual(resolve_base_model("unsloth/Qwen3-0.6B-unsloth-bnb-4bit", False)[0], "unsloth/Qwen3-0.6B")
        self.assertEqual(resolve_base_model("/models/tiny-qwen2", False), ("/models/tiny-qwen2", None))


class LibraryVersionTest(unittest.TestCase):
    def test_arguments_are_renamed_to_what_the_installed_version_knows_or_dropped(self):
        picked, dropped = pick_supported({"evaluation_strategy", "no_cuda", "seed"},
                                         {"eval_strategy": "steps", "use_cpu": True, "seed": 1, "brand_new": 2})
        self.assertEqual(picked, {"evaluation_strategy": "steps", "no_cuda": True, "seed": 1})
        self.assertEqual(dropped, ["brand_new"])
        self.assertEqual(pick_supported({"eval_strategy", "evaluation_strategy"}, {"eval_strategy": "no"})[0], {"eval_strategy": "no"})

    def test_training_arguments_follow_the_config(self):
        config = parse_config(valid_config(maxSteps=0))
        arguments = training_arguments(config, has_validation=True)
        self.assertEqual((arguments["max_steps"], arguments["eval_strategy"], arguments["eval_steps"]), (-1, "steps", 50))
        self.assertEqual((arguments["save_steps"], arguments["save_total_limit"], arguments["logging_steps"]), (50, 3, 10))
        self.assertTrue(arguments["prediction_loss_only"])
        arguments = training_arguments(parse_config(valid_config(maxSteps=30)), has_validation=False)
        self.assertEqual((arguments["max_steps"], arguments["eval_strategy"]), (30, "no"))


class HintTest(unittest.TestCase):
    def test_out_of_memory_says_which_keys_to_lower(self):
        config = parse_config(valid_config())
        for error_type, message in (("OutOfMemoryError", "CUDA out of memory. Tried to allocate 2.00 GiB"),
                                    ("RuntimeError", "MPS backend out of memory (MPS allocated: 17 GB)")):
            hint = hint_for_error(error_type, message, config)
            self.assertIn("training.maxSeqLength", hint)
            self.assertIn("training.batchSize (now 2048 and 1)", hint)

    def test_other_failures_get_their_own_hint(self):
        self.assertIn("npm run setup:python", hint_for_error("ModuleNotFoundError", "No module named 'peft'", None))
        self.assertIn("HF_HUB_OFFLINE", hint_for_error("OSError", "We couldn't connect to 'https://huggingface.co'", None))
        self.assertIn("loadIn4bit", hint_for_error("RuntimeError", "bitsandbytes was compiled without GPU", None))
        self.assertIn("outputs/train.log", hint_for_error("ValueError", "something odd", parse_config(valid_config())))


class ImportsTest(unittest.TestCase):
    def test_train_and_its_backends_import_with_the_standard_library_alone(self):
        code = ("import sys, train, backend_hf, backend_unsloth, smoke_gpu; "
                "heavy = {'torch', 'transformers', 'peft', 'trl', 'unsloth', 'datasets'} & set(sys.modules); "
                "print(sorted(heavy))")
        result = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parent, capture_output=True, text=True)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.strip(), "[]")

    def test_the_unsloth_response_markers_are_the_frame_of_the_prompt(self):
        from backend_unsloth import INSTRUCTION_PART, RESPONSE_PART

        prompt = render_prompt("instruction", "diff")
        self.assertTrue(prompt.startswith(INSTRUCTION_PART))
        self.assertTrue(prompt.endswith(RESPONSE_PART))


if __name__ == "__main__":
    unittest.main()
