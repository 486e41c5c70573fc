"""export.py's planning, names, chat template and event protocol: fast, no torch (the real run: test_export_e2e.py)."""
import contextlib
import importlib.util
import io
import json
import re
import tempfile
import unittest
from pathlib import Path

import export
from export_merge import alpaca_chat_template, embed_chat_template, full_precision_base, jinja_literal, restore_rope_theta
from export_plan import plan_routes, resolve_quantization, why_not_llama_cpp, why_not_unsloth
from export_unsloth import pick_exported_gguf
from export_gguf import gguf_name, last_error
from prompting import format_prompt, render_prompt

INSTRUCTION = "Write a Conventional Commit message for this git diff: `type(scope): description`, lower case."
EXAMPLE = {"instruction": INSTRUCTION, "input": "diff --git a/x b/x\n+it's a \\n 'quote'\r\n+naïve", "output": "fix(x): handle quotes"}
NO_GPU = NotImplementedError("Unsloth cannot find any torch accelerator? You need a GPU.")


def render_without_jinja(template: str, messages: list, add_generation_prompt: bool) -> str:
    """The template's {{ }} expressions are string concatenations, valid Python too; evaluated in its loop order."""
    user, assistant, generation = re.findall(r"\{\{ (.*?) \}\}", template)
    out = "".join(eval(user if m["role"] == "user" else assistant, {"message": m}) for m in messages if m["role"] != "system")
    return out + (eval(generation) if add_generation_prompt else "")


def adapter_trained_by(backend: str | None) -> str:
    folder = tempfile.mkdtemp()
    if backend:
        (Path(folder) / "joco-training.json").write_text(json.dumps({"backend": backend}))
    return folder


def fails(error: BaseException):
    def raise_it(_name):
        raise error
    return raise_it


class UnslothRouteTest(unittest.TestCase):
    installed = staticmethod(lambda name: object())

    def test_installed_is_not_enough_without_a_gpu(self):
        # find_spec("unsloth") alone chose this route; on a Linux box without a GPU the import raises.
        why = why_not_unsloth(adapter_trained_by("unsloth"), False, self.installed, cuda=lambda: True, importer=fails(NO_GPU))
        self.assertEqual(why, "unsloth does not import (NotImplementedError: Unsloth cannot find any torch accelerator? You need a GPU.)")
        why = why_not_unsloth(adapter_trained_by("unsloth"), False, self.installed, cuda=lambda: False, importer=fails(AssertionError("not reached")))
        self.assertEqual(why, "CUDA is not available (Unsloth needs an NVIDIA GPU)")

    def test_auto_takes_it_only_for_an_adapter_unsloth_trained(self):
        works = {"find_spec": self.installed, "cuda": lambda: True, "importer": lambda _: None}
        self.assertIsNone(why_not_unsloth(adapter_trained_by("unsloth"), False, **works))
        self.assertEqual(why_not_unsloth(adapter_trained_by("hf"), False, **works), "the adapter was trained by the hf backend, not unsloth")
        self.assertIn("no joco-training.json", why_not_unsloth(adapter_trained_by(None), False, **works))
        self.assertIsNone(why_not_unsloth(adapter_trained_by("hf"), True, **works))  # asked for by name
        self.assertEqual(why_not_unsloth(adapter_trained_by("unsloth"), False, lambda _: None), "unsloth is not installed")


class RouteSelectionTest(unittest.TestCase):
    def test_auto_tries_every_available_route_in_order(self):
        self.assertEqual(plan_routes("auto", {"unsloth": None, "llama.cpp": None, "ollama": None}), (["unsloth", "llama.cpp", "ollama"], {}))

    def test_unavailable_routes_are_skipped_with_the_reason(self):
        routes, skipped = plan_routes("auto", {"unsloth": "CUDA is not available", "llama.cpp": None, "ollama": None})
        self.assertEqual((routes, skipped), (["llama.cpp", "ollama"], {"unsloth": "CUDA is not available"}))
        self.assertEqual(plan_routes("unsloth", {"unsloth": "no", "llama.cpp": None}), ([], {"unsloth": "no"}))

    def test_the_converter_needs_sentencepiece_even_for_qwen2(self):
        no_sentencepiece = lambda name: None if name == "sentencepiece" else object()  # noqa: E731
        why = why_not_llama_cpp("q8_0", "bundle", None, False, find_spec=no_sentencepiece)
        self.assertIn("sentencepiece is not installed", why)
        self.assertIsNone(why_not_llama_cpp("q8_0", "bundle", None, False, find_spec=lambda _: object()))

    def test_k_quants_need_llama_quantize_found_or_buildable(self):
        spec = {"find_spec": lambda _: object()}
        self.assertIn("llama-quantize (needed for q4_k_m)", why_not_llama_cpp("q4_k_m", "bundle", None, False, **spec))
        self.assertIsNone(why_not_llama_cpp("q4_k_m", "bundle", None, True, **spec))
        self.assertIsNone(why_not_llama_cpp("q4_k_m", "bundle", "/bin/llama-quantize", False, **spec))
        self.assertIn("found nowhere", why_not_llama_cpp("q8_0", None, None, True, **spec))

    def test_auto_quantization_is_q4_k_m_where_it_can_be_made_else_q8_0(self):
        self.assertEqual((resolve_quantization("auto", True), resolve_quantization("auto", False)), ("q4_k_m", "q8_0"))
        self.assertEqual(resolve_quantization("f16", True), "f16")


class NamesTest(unittest.TestCase):
    def test_quantization_names(self):
        self.assertEqual(gguf_name("q4_k_m"), "joco.Q4_K_M.gguf")
        self.assertEqual(gguf_name("f16"), "joco.F16.gguf")
        self.assertEqual(export.OLLAMA_QUANTIZE["q4_k_m"], "q4_K_M")
        self.assertNotIn("q5_k_m", export.OLLAMA_QUANTIZE)
        self.assertEqual(export.CONVERTER_OUTTYPES, {"q8_0": "q8_0", "f16": "f16"})

    def test_the_16bit_base_of_a_bnb_checkpoint(self):
        self.assertEqual(full_precision_base("unsloth/Qwen2.5-Coder-1.5B-bnb-4bit"), "unsloth/Qwen2.5-Coder-1.5B")
        self.assertEqual(full_precision_base("unsloth/qwen2.5-coder-1.5b-unsloth-bnb-4bit"), "unsloth/qwen2.5-coder-1.5b")
        self.assertEqual(full_precision_base("Qwen/Qwen2.5-Coder-0.5B"), "Qwen/Qwen2.5-Coder-0.5B")

    def test_a_tools_failure_is_named_by_its_last_error_line(self):
        traceback = ["Traceback (most recent call last):", '  File "conversion/base.py", line 1920', "ModuleNotFoundError: No module named 'sentencepiece'", ""]
        self.assertEqual(last_error(traceback), "ModuleNotFoundError: No module named 'sentencepiece'")
        self.assertEqual(last_error(["INFO: x", "ERROR:hf-to-gguf:Model Foo is not supported", "done"]), "ERROR:hf-to-gguf:Model Foo is not supported")
        self.assertEqual(last_error([]), "no output")


class RopeThetaTest(unittest.TestCase):
    def write(self, folder: str, config: dict) -> Path:
        (Path(folder) / "config.json").write_text(json.dumps(config))
        return Path(folder) / "config.json"

    def test_the_ollama_route_restores_a_top_level_rope_theta(self):
        # transformers 5 nests it; Ollama's Qwen2 converter reads only the top level, else freq_base = 0.
        with tempfile.TemporaryDirectory() as folder:
            path = self.write(folder, {"model_type": "qwen2", "rope_parameters": {"rope_theta": 1000000.0, "rope_type": "default"}})
            cache = {"merged": (folder, "<|endoftext|>")}
            result = export.export_for_ollama({"quantization": "q4_k_m"}, None, cache)
            self.assertEqual((result["format"], result["ollama_quantize"]), ("safetensors", "q4_K_M"))
            config = json.loads(path.read_text())
            self.assertEqual(config["rope_theta"], 1000000.0)
            self.assertEqual(config["rope_parameters"], {"rope_theta": 1000000.0, "rope_type": "default"})

    def test_other_shapes_of_the_config(self):
        with tempfile.TemporaryDirectory() as folder:
            self.write(folder, {"rope_theta": 5.0, "rope_parameters": {"rope_theta": 7.0}})
            self.assertEqual(restore_rope_theta(folder), 5.0)  # a top-level value is left alone
            self.write(folder, {"rope_parameters": {"full_attention": {"rope_theta": 9.0}, "sliding_attention": {"rope_theta": 1.0}}})
            self.assertEqual(restore_rope_theta(folder), 9.0)
            self.write(folder, {"model_type": "x"})
            self.assertIsNone(restore_rope_theta(folder))


class ChatTemplateTest(unittest.TestCase):
    def test_jinja_literals_decode_back_as_jinja_decodes_them(self):
        text = "it's `x`\\n\nnaïve"
        literal = jinja_literal(text)
        # jinja2.lexer: value[1:-1].encode("ascii", "backslashreplace").decode("unicode-escape")
        self.assertEqual(literal[1:-1].encode("ascii", "backslashreplace").decode("unicode-escape"), text)

    def test_the_template_renders_the_training_frame(self):
        template = alpaca_chat_template(INSTRUCTION, "<|endoftext|>")
        user = [{"role": "system", "content": "ignored"}, {"role": "user", "content": EXAMPLE["input"]}]
        pair = user + [{"role": "assistant", "content": EXAMPLE["output"]}]
        self.assertEqual(render_without_jinja(template, user, True), render_prompt(INSTRUCTION, EXAMPLE["input"]))
        self.assertEqual(render_without_jinja(template, pair, False), format_prompt(EXAMPLE, "<|endoftext|>"))
        self.assertNotEqual(render_without_jinja(template, user, False), render_without_jinja(template, user, True))

    def test_the_template_is_embedded_in_tokenizer_config(self):
        with tempfile.TemporaryDirectory() as folder:
            (Path(folder) / "tokenizer_config.json").write_text(json.dumps({"eos_token": "<|endoftext|>", "chat_template": "chatml"}))
            embed_chat_template(folder, alpaca_chat_template(INSTRUCTION, "<|endoftext|>"))
            config = json.loads((Path(folder) / "tokenizer_config.json").read_text())
            self.assertEqual(config["eos_token"], "<|endoftext|>")
            self.assertIn("### Instruction:", config["chat_template"])

    @unittest.skipUnless(importlib.util.find_spec("jinja2"), "jinja2 is not installed")
    def test_jinja2_renders_it_the_same(self):
        import jinja2

        env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True)  # as transformers' apply_chat_template
        template = env.from_string(alpaca_chat_template(INSTRUCTION, "<|im_end|>"))
        messages = [{"role": "user", "content": EXAMPLE["input"]}]
        self.assertEqual(template.render(messages=messages, add_generation_prompt=True), render_prompt(INSTRUCTION, EXAMPLE["input"]))


def run_main(config: dict) -> tuple[int, list[dict]]:
    """export.py's main on a config file, with the events it printed (test_export_mlx.py uses it too)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.json"
        path.write_text(json.dumps(config))
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = export.main([str(path)])
    return code, [json.loads(line) for line in out.getvalue().splitlines()]


class MainTest(unittest.TestCase):

    def test_config_errors_and_no_route_are_error_events_with_hints(self):
        code, events = run_main({"adapter": "a"})
        self.assertEqual(code, 2)
        self.assertEqual(events[-1]["event"], "error")
        self.assertIn("missing keys baseModel", events[-1]["message"])
        config = {k: "x" for k in export.REQUIRED_KEYS} | {"quantization": "q5_k_m", "route": "ollama"}
        code, events = run_main(config)
        self.assertEqual(code, 1)
        self.assertEqual([e["event"] for e in events], ["start", "error"])
        self.assertIn("Ollama cannot quantize to q5_k_m", events[-1]["message"])
        self.assertIn("LLAMA_CPP_DIR", events[-1]["hint"])

    def test_a_failing_route_falls_through_and_the_error_names_each(self):
        config = {k: "/nonexistent" for k in export.REQUIRED_KEYS} | {"quantization": "q4_k_m", "route": "ollama"}
        code, events = run_main(config)
        self.assertEqual(code, 1)
        self.assertEqual([e["event"] for e in events], ["start", "step", "error"])
        self.assertEqual(events[1]["stage"], "fallback")
        self.assertTrue(events[-1]["message"].startswith("every export route failed: ollama: "))

    def test_heavy_packages_are_not_imported_by_the_module(self):
        self.assertFalse({"torch", "transformers", "peft", "unsloth"} & set(export.__dict__))

    def test_auto_says_why_each_route_is_left_out(self):
        config = {k: "/nonexistent" for k in export.REQUIRED_KEYS} | {"quantization": "auto", "route": "auto", "llamaBundle": "/nonexistent/gitRelease.bundle", "adapter": adapter_trained_by("hf")}
        code, events = run_main(config)
        start = events[0]
        self.assertEqual(start["skipped"]["unsloth"], "the adapter was trained by the hf backend, not unsloth")
        if start["converter"] is None:  # no LLAMA_CPP_DIR or converter on this machine's PATH
            self.assertIn("convert_hf_to_gguf.py was found nowhere", start["skipped"]["llama.cpp"])
            self.assertEqual((start["routes"], start["quantization"]), (["ollama"], "q8_0"))
        self.assertEqual(code, 1)


if __name__ == "__main__":
    unittest.main()
