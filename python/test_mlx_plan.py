"""The mlx backend's decisions that need no MLX: rows, steps, LoRA settings, checkpoints, cache names."""
import os
import tempfile
import time
import unittest
from pathlib import Path

from mlx_plan import (
    adapter_config, cache_name, checkpoints_to_remove, default_cache_dir, folder_stamp, is_due, lora_keys,
    lora_parameters, memory_hint, plan_steps, response_window, step_actions, to_mlx_rows,
)
from train_data import IGNORE_INDEX, encode_example

BLOCK = ["", "self_attn", "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "self_attn.rope",
         "mlp", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj", "input_layernorm", "post_attention_layernorm"]


def encode(text: str, add_special_tokens: bool) -> list:
    return [ord(character) for character in text]


class RowsTest(unittest.TestCase):
    def test_rows_are_the_hf_backends_tokens_with_the_offset_of_the_response(self):
        example = {"instruction": "Write it.", "input": "diff", "output": "fix: x"}
        encoded = encode_example(example, encode, 0, 512)
        [(ids, offset)] = to_mlx_rows([{"input_ids": encoded.input_ids, "labels": encoded.labels}])
        self.assertEqual(ids, encoded.input_ids)
        self.assertEqual(offset, encoded.response_start)
        self.assertEqual(ids[offset:], [ord(c) for c in "fix: x"] + [0])  # the answer, then EOS

    def test_a_row_without_prompt_or_response_is_refused(self):
        with self.assertRaises(ValueError):
            to_mlx_rows([{"input_ids": [1, 2], "labels": [IGNORE_INDEX, IGNORE_INDEX]}])
        with self.assertRaises(ValueError):
            to_mlx_rows([{"input_ids": [1, 2], "labels": [1, 2]}])

    def test_the_window_covers_the_longest_response_rounded_up(self):
        self.assertEqual(response_window([([0] * 30, 20), ([0] * 30, 27)]), 16)
        self.assertEqual(response_window([([0] * 30, 14)]), 16)
        self.assertEqual(response_window([([0] * 30, 13)]), 24)


class StepsTest(unittest.TestCase):
    def test_optimizer_steps_count_accumulated_micro_batches(self):
        plan = plan_steps(examples=450, batch_size=1, accumulation=4, epochs=3, max_steps=0)
        self.assertEqual((plan.batches_per_epoch, plan.total_steps, plan.iterations, plan.left_out), (450, 338, 1352, 0))
        self.assertEqual(plan.epoch_at(150), 1.3333)

    def test_mlx_lm_leaves_out_what_does_not_fill_a_batch(self):
        plan = plan_steps(examples=10, batch_size=4, accumulation=1, epochs=1, max_steps=0)
        self.assertEqual((plan.batches_per_epoch, plan.total_steps, plan.left_out), (2, 2, 2))
        with self.assertRaisesRegex(ValueError, "do not fill one batch of 4"):
            plan_steps(examples=3, batch_size=4, accumulation=1, epochs=1, max_steps=0)

    def test_max_steps_wins_over_epochs(self):
        self.assertEqual(plan_steps(examples=9, batch_size=1, accumulation=2, epochs=3, max_steps=4).total_steps, 4)

    def test_after_each_step_log_evaluate_save_and_stop_as_the_trainer_does(self):
        def actions(step, save=False, stop=False, evaluation=2):
            return step_actions(step, total=6, logging=1, evaluation=evaluation, saving=4, save_requested=save, stop_requested=stop)

        self.assertEqual(actions(1), ["log"])
        self.assertEqual(actions(2), ["log", "evaluate"])
        self.assertEqual(actions(4), ["log", "evaluate", "save"])
        self.assertEqual(actions(5, save=True, stop=True), ["log", "save", "stop"])  # SIGINT: save, then stop
        self.assertEqual(actions(6, stop=True, evaluation=None), ["log", "save"])  # the last step just finishes
        self.assertEqual(step_actions(3, 9, logging=10, evaluation=None, saving=50, save_requested=False, stop_requested=False), [])

    def test_due_every_n_steps_and_at_the_end(self):
        self.assertEqual([s for s in range(0, 8) if is_due(s, 3)], [3, 6])
        self.assertTrue(is_due(7, 3, total=7))


class LoraTest(unittest.TestCase):
    def test_peft_target_names_become_block_paths(self):
        self.assertEqual(lora_keys(BLOCK, ("q_proj", "v_proj", "down_proj")), ["mlp.down_proj", "self_attn.q_proj", "self_attn.v_proj"])

    def test_an_unknown_target_names_what_the_block_has(self):
        with self.assertRaisesRegex(ValueError, r"\['c_attn'\] are not in the model's blocks .*down_proj.*q_proj"):
            lora_keys(BLOCK, ("q_proj", "c_attn"))

    def test_scale_is_peft_alpha_over_r_and_the_config_is_mlx_lms(self):
        parameters = lora_parameters(16, 32, 0.05, ["self_attn.q_proj"])
        self.assertEqual(parameters, {"rank": 16, "scale": 2.0, "dropout": 0.05, "keys": ["self_attn.q_proj"]})
        config = adapter_config("mlx-cache/m", -1, parameters)
        self.assertEqual((config["fine_tune_type"], config["num_layers"], config["model"]), ("lora", -1, "mlx-cache/m"))


class CheckpointsAndCacheTest(unittest.TestCase):
    def test_only_the_newest_checkpoints_are_kept(self):
        names = ["checkpoint-10", "checkpoint-2", "checkpoint-30", ".checkpoint-40.partial-1", "runs", "checkpoint-20"]
        self.assertEqual(checkpoints_to_remove(names, 2), ["checkpoint-2", "checkpoint-10"])
        self.assertEqual(checkpoints_to_remove(names, 5), [])

    def test_cache_names_say_model_and_quantization(self):
        self.assertEqual(cache_name("Qwen/Qwen2.5-Coder-1.5B", 4, 64), "Qwen--Qwen2.5-Coder-1.5B-mlx-q4g64")
        self.assertEqual(cache_name("/tmp/x/tiny/", None, 64, "abc"), "tmp--x--tiny-mlx-16bit-abc")
        self.assertEqual(cache_name("m", 4, 64, None, ("lm_head", "embed_tokens")), "m-mlx-q4g64-keep-embed_tokens+lm_head")

    def test_a_rebuilt_local_model_gets_another_stamp(self):
        with tempfile.TemporaryDirectory() as folder:
            weights = Path(folder) / "model.safetensors"
            weights.write_bytes(b"1")
            first = folder_stamp(Path(folder))
            weights.write_bytes(b"22")
            os.utime(weights, (time.time() + 5, time.time() + 5))
            self.assertNotEqual(folder_stamp(Path(folder)), first)

    def test_metal_running_out_of_memory_gets_the_settings_that_help(self):
        hint = memory_hint("[METAL] Command buffer execution failed: Insufficient Memory (00000008:kIOGPUCommandBufferCallbackErrorOutOfMemory)")
        self.assertIn("training.mlx.numLayers", hint)
        self.assertIsNotNone(memory_hint("[metal::malloc] Attempting to allocate 9 bytes which is greater than the maximum allowed buffer size"))
        self.assertIsNone(memory_hint("ValueError: shapes do not match"))

    def test_the_cache_lives_outside_the_checkout(self):
        self.assertEqual(default_cache_dir({"JOCO_MLX_CACHE": "/c"}), Path("/c"))
        self.assertEqual(default_cache_dir({"XDG_CACHE_HOME": "/x"}), Path("/x/joco-finetune/mlx"))


if __name__ == "__main__":
    unittest.main()
