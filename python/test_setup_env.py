"""The set-up's decisions (env_requirements.py) and its no-op and --check paths, without pip or a network."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

from env_requirements import STAMP_NAME, base_version, choose_set, includes_set, normalize, read_requirements, staleness, with_mlx

HERE = Path(__file__).parent
SETUP = HERE / "setup_env.py"
VERIFY = HERE / "verify_env.py"


class ChooseSetTest(unittest.TestCase):
    def test_each_machine_gets_its_set(self):
        every = {"hf", "unsloth", "mlx"}
        self.assertEqual(choose_set("Linux", "x86_64", True, every)[0], "unsloth")
        self.assertEqual(choose_set("Linux", "x86_64", False, every), ("hf", "no NVIDIA GPU"))
        self.assertEqual(choose_set("Darwin", "arm64", False, every)[0], "mlx")
        self.assertEqual(choose_set("Darwin", "x86_64", False, every)[0], "hf")
        self.assertEqual(choose_set("Windows", "AMD64", True, every)[0], "hf")

    def test_apple_silicon_without_the_mlx_file_falls_back_to_hf_and_says_why(self):
        chosen, why = choose_set("Darwin", "arm64", False, {"hf", "unsloth"})
        self.assertEqual(chosen, "hf")
        self.assertIn("no requirements-mlx.txt", why)


class WithMlxTest(unittest.TestCase):
    def test_mlx_is_added_to_the_hf_set_where_it_has_wheels_and_never_replaces_unsloth(self):
        every = {"hf", "unsloth", "mlx"}
        self.assertEqual(with_mlx("hf", "Linux", "x86_64", (3, 11), every), ("mlx", None))
        self.assertEqual(with_mlx("hf", "Linux", "aarch64", (3, 12), every), ("mlx", None))
        self.assertEqual(with_mlx("mlx", "Darwin", "arm64", (3, 11), every), ("mlx", None))
        self.assertEqual(with_mlx("unsloth", "Linux", "x86_64", (3, 11), every)[0], "unsloth")
        self.assertIn("no wheels for Windows AMD64", with_mlx("hf", "Windows", "AMD64", (3, 11), every)[1])
        self.assertIn("Python 3.11+", with_mlx("hf", "Linux", "x86_64", (3, 10), every)[1])
        self.assertEqual(with_mlx("hf", "Linux", "x86_64", (3, 11), {"hf"})[0], "hf")

    def test_the_mlx_set_includes_the_hf_set_and_not_the_reverse(self):
        self.assertTrue(includes_set(HERE, "mlx", "hf"))
        self.assertTrue(includes_set(HERE, "hf", "hf"))
        self.assertFalse(includes_set(HERE, "hf", "mlx"))
        self.assertFalse(includes_set(HERE, "unsloth", "hf"))
        self.assertFalse(includes_set(HERE, None, "hf"))


class ReadRequirementsTest(unittest.TestCase):
    def test_pins_imports_includes_and_markers(self):
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            (root / "base.txt").write_text("# imports: yaml\nPyYAML==6.0.4  # a trailing comment\n")
            (root / "set.txt").write_text(
                "# imports: torch peft\ntorch==2.13.0\nUnsloth_Zoo==2026.10.9\n"
                'xformers==0.0.35 ; sys_platform == "linux"\nrich>=13\n-r base.txt\n')
            requirements = read_requirements(root / "set.txt")
            self.assertEqual(requirements.pins, {"torch": "2.13.0", "unsloth-zoo": "2026.10.9", "pyyaml": "6.0.4"})
            self.assertEqual(requirements.imports, ("torch", "peft", "yaml"))
            before = requirements.sha256
            (root / "base.txt").write_text("PyYAML==6.0.3\n")
            self.assertNotEqual(read_requirements(root / "set.txt").sha256, before, "an included file is part of the hash")

    def test_the_shipped_sets_pin_sentencepiece_and_say_what_to_import(self):
        for name in ("hf", "unsloth"):
            requirements = read_requirements(HERE / f"requirements-{name}.txt")
            self.assertIn("sentencepiece", requirements.pins, name)
            self.assertIn("torch", requirements.imports, name)
            for library in ("transformers", "peft", "trl", "datasets", "accelerate"):
                self.assertIn(library, requirements.pins, f"{name}: {library}")
        unsloth = read_requirements(HERE / "requirements-unsloth.txt").pins
        self.assertIn("torchao", unsloth)
        hf = read_requirements(HERE / "requirements-hf.txt").pins
        shared = {name: version for name, version in hf.items() if name != "torch"}
        self.assertEqual({name: unsloth.get(name) for name in shared}, shared, "CI tests the libraries GPU users get")

    def test_names_and_versions_compare_as_pip_does(self):
        self.assertEqual(normalize("Unsloth.Zoo"), "unsloth-zoo")
        self.assertEqual(base_version("2.13.0+cpu"), "2.13.0")


class StalenessTest(unittest.TestCase):
    def test_says_why_an_environment_is_not_current(self):
        stamp = {"set": "hf", "requirements": "python/requirements-hf.txt", "sha256": "abc"}
        self.assertIsNone(staleness(stamp, "hf", "abc", True))
        self.assertIn("no virtual environment", staleness(stamp, "hf", "abc", False))
        self.assertIn("no stamp", staleness(None, "hf", "abc", True))
        self.assertIn("holds the hf set, not unsloth", staleness(stamp, "unsloth", "abc", True))
        self.assertIn("requirements-hf.txt changed", staleness(stamp, "hf", "def", True))


def fake_venv(folder: Path, sha256: str, set_name: str = "hf") -> Path:
    """A venv whose python is this interpreter, stamped as the set-up stamps it."""
    venv = folder / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(sys.executable)
    (venv / STAMP_NAME).write_text(json.dumps({"set": set_name, "requirements": f"python/requirements-{set_name}.txt", "sha256": sha256}))
    return venv


def setup(*arguments: str, forced: tuple[str, ...] = ("--set", "hf")) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SETUP), *forced, *arguments], capture_output=True, text=True, timeout=30)


class SetupCommandTest(unittest.TestCase):
    def test_a_current_venv_is_left_alone_in_one_line(self):
        with tempfile.TemporaryDirectory() as folder:
            venv = fake_venv(Path(folder), read_requirements(HERE / "requirements-hf.txt").sha256)
            started = time.monotonic()
            result = setup("--venv", str(venv))
            self.assertLess(time.monotonic() - started, 5)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(len(result.stdout.splitlines()), 1)
        self.assertRegex(result.stdout, r"^✓ .* is up to date: the hf set \(python/requirements-hf.txt, sha256 [0-9a-f]{12}\)")

    @unittest.skipIf(shutil.which("nvidia-smi"), "the machine's own set may be unsloth here")
    def test_a_venv_holding_a_larger_set_is_current_for_the_smaller_one(self):
        with tempfile.TemporaryDirectory() as folder:
            venv = fake_venv(Path(folder), read_requirements(HERE / "requirements-mlx.txt").sha256, "mlx")
            plain = setup("--venv", str(venv), forced=())
            asked = setup("--venv", str(venv), "--check", forced=("--set", "hf"))
        self.assertEqual(plain.returncode, 0, plain.stderr)
        self.assertIn("is up to date: the mlx set", plain.stdout)
        self.assertEqual(asked.returncode, 1, "--set names the set exactly")
        self.assertIn("holds the mlx set, not hf", asked.stdout)

    def test_check_reports_a_stale_or_missing_venv_with_exit_1_and_installs_nothing(self):
        with tempfile.TemporaryDirectory() as folder:
            venv = fake_venv(Path(folder), "an older file")
            stale = setup("--venv", str(venv), "--check")
            missing = setup("--venv", str(Path(folder) / "nowhere"), "--check")
            self.assertFalse((Path(folder) / "nowhere").exists())
        self.assertEqual(stale.returncode, 1)
        self.assertIn("requirements-hf.txt changed since it was installed", stale.stdout)
        self.assertIn("npm run setup:python", stale.stdout)
        self.assertEqual(missing.returncode, 1)
        self.assertIn("there is no virtual environment yet", missing.stdout)


class VerifyEnvTest(unittest.TestCase):
    def test_names_each_missing_or_wrong_pin_and_failed_import(self):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "requirements.txt"
            path.write_text("# imports: json no_such_module_here\nno-such-dist==1.0\npip==0.0.1\n")
            result = subprocess.run([sys.executable, str(VERIFY), str(path)], capture_output=True, text=True, timeout=30,
                                    env={**os.environ, "PYTHONPATH": str(HERE)})
        self.assertEqual(result.returncode, 1)
        self.assertIn("no-such-dist==1.0 is not installed", result.stdout)
        self.assertRegex(result.stdout, r"pip: \S+ is installed, the requirements pin 0.0.1")
        self.assertIn("import no_such_module_here failed: ModuleNotFoundError", result.stdout)
        self.assertNotIn("json", result.stdout)


if __name__ == "__main__":
    unittest.main()
