import contextlib
import importlib.util
import io
import json
import re
import stat
import tempfile
import unittest
from pathlib import Path

import export
from export import (
    LlamaCpp,
    alpaca_chat_template,
    embed_chat_template,
    find_llama_cpp,
    full_precision_base,
    gguf_name,
    jinja_literal,
    pick_exported_gguf,
    plan_routes,
    read_config,
)
from prompting import format_prompt, render_prompt

INSTRUCTION = "Write a Conventional Commit message for this git diff: `type(scope): description`, lower case."
EXAMPLE = {"instruction": INSTRUCTION, "input": "diff --git a/x b/x\n+it's a \\n 'quote'\r\n+naïve", "output": "fix(x): handle quotes"}
BOTH = LlamaCpp("/l/convert_hf_to_gguf.py", "/l/build/bin/llama-quantize")
NONE = LlamaCpp(None, None)


def render_without_jinja(template: str, messages: list, add_generation_prompt: bool) -> str:
    """The template's {{ }} expressions are string concatenations, valid Python too; evaluated in its loop order."""
    user, assistant, generation = re.findall(r"\{\{ (.*?) \}\}", template)
    out = "".join(eval(user if m["role"] == "user" else assistant, {"message": m}) for m in messages if m["role"] != "system")
    return out + (eval(generation) if add_generation_prompt else "")


class RouteSelectionTest(unittest.TestCase):
    def test_auto_tries_every_available_route_in_order(self):
        self.assertEqual(plan_routes("auto", "q4_k_m", True, BOTH), (["unsloth", "llama.cpp", "ollama"], {}))

    def test_missing_tools_are_skipped_with_the_reason(self):
        routes, skipped = plan_routes("auto", "q4_k_m", False, NONE)
        self.assertEqual(routes, ["ollama"])
        self.assertEqual(skipped["unsloth"], "unsloth is not installed")
        self.assertIn("convert_hf_to_gguf.py not found", skipped["llama.cpp"])

    def test_k_quants_need_llama_quantize_but_q8_0_and_f16_do_not(self):
        converter_only = LlamaCpp("/l/convert_hf_to_gguf.py", None)
        self.assertIn("llama-quantize (needed for q4_k_m)", plan_routes("llama.cpp", "q4_k_m", False, converter_only)[1]["llama.cpp"])
        self.assertEqual(plan_routes("llama.cpp", "q8_0", False, converter_only), (["llama.cpp"], {}))

    def test_ollama_cannot_make_q5_k_m_so_nothing_is_left(self):
        routes, skipped = plan_routes("auto", "q5_k_m", False, NONE)
        self.assertEqual(routes, [])
        self.assertEqual(set(skipped), {"unsloth", "llama.cpp", "ollama"})

    def test_a_requested_route_is_the_only_one_tried(self):
        self.assertEqual(plan_routes("ollama", "q4_k_m", True, BOTH), (["ollama"], {}))
        self.assertEqual(plan_routes("unsloth", "q4_k_m", False, BOTH)[0], [])

    def test_llama_cpp_is_found_in_its_directory_then_on_path(self):
        with tempfile.TemporaryDirectory() as root:
            (Path(root) / "convert_hf_to_gguf.py").write_text("")
            binary = Path(root) / "build" / "bin" / "llama-quantize"
            binary.parent.mkdir(parents=True)
            binary.write_text("")
            binary.chmod(binary.stat().st_mode | stat.S_IXUSR)
            found = find_llama_cpp({"LLAMA_CPP_DIR": root}, which=lambda _: None)
            self.assertEqual(found, LlamaCpp(str(Path(root) / "convert_hf_to_gguf.py"), str(binary)))
        on_path = find_llama_cpp({}, which=lambda name: f"/usr/bin/{name}" if name != "convert_hf_to_gguf.py" else None)
        self.assertEqual(on_path, LlamaCpp("/usr/bin/convert_hf_to_gguf", "/usr/bin/llama-quantize"))


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

    def test_picks_the_gguf_in_the_requested_quantization(self):
        with tempfile.TemporaryDirectory() as folder:
            paths = [Path(folder) / n for n in ("unsloth.F16.gguf", "unsloth.Q4_K_M.gguf")]
            for p in paths:
                p.write_text("")
            self.assertEqual(pick_exported_gguf(paths, "q4_k_m"), paths[1])
            self.assertIsNone(pick_exported_gguf(paths, "q8_0"))


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


class MainTest(unittest.TestCase):
    def run_main(self, config: dict) -> tuple[int, list[dict]]:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "export.json"
            path.write_text(json.dumps(config))
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                code = export.main([str(path)])
        return code, [json.loads(line) for line in out.getvalue().splitlines()]

    def test_config_errors_and_no_route_are_error_events_with_hints(self):
        code, events = self.run_main({"adapter": "a"})
        self.assertEqual(code, 2)
        self.assertEqual(events[-1]["event"], "error")
        self.assertIn("missing keys baseModel", events[-1]["message"])
        config = {k: "x" for k in export.REQUIRED_KEYS} | {"quantization": "q5_k_m", "route": "ollama"}
        code, events = self.run_main(config)
        self.assertEqual(code, 1)
        self.assertEqual([e["event"] for e in events], ["start", "error"])
        self.assertIn("Ollama cannot quantize to q5_k_m", events[-1]["message"])
        self.assertIn("LLAMA_CPP_DIR", events[-1]["hint"])

    def test_a_failing_route_falls_through_and_the_error_names_each(self):
        config = {k: "/nonexistent" for k in export.REQUIRED_KEYS} | {"quantization": "q4_k_m", "route": "ollama"}
        code, events = self.run_main(config)
        self.assertEqual(code, 1)
        self.assertEqual([e["event"] for e in events], ["start", "step", "error"])
        self.assertEqual(events[1]["stage"], "fallback")
        self.assertTrue(events[-1]["message"].startswith("every export route failed: ollama: "))

    def test_heavy_packages_are_not_imported_by_the_module(self):
        self.assertFalse({"torch", "transformers", "peft", "unsloth"} & set(export.__dict__))


if __name__ == "__main__":
    unittest.main()
