#!/usr/bin/env python3
"""Makes the project's Python environment, `.venv/` (`npm run setup:python`):

    python3 python/setup_env.py [--set hf|unsloth|mlx] [--with-mlx] [--check] [--venv DIR]

It picks the requirement set for this machine (env_requirements.choose_set:
unsloth on Linux with an NVIDIA GPU, mlx on Apple silicon, hf otherwise),
creates the venv with this interpreter, installs the set with pip, checks that
every pin is installed and every listed module imports (verify_env.py), and
only then writes a stamp with the hash of the requirements file. A second run
with the same file does nothing and says so in one line; a changed file is
installed over the venv; another set replaces the venv, unless it includes the
one there (mlx includes hf: it is installed over it). A venv holding a set that
includes the one asked for is current. `--with-mlx` adds MLX where it has wheels
(the hf set becomes the mlx set; on Linux that is MLX's CPU build): `npm test`
and `rehearse --backend mlx` use it. `--check` only says whether the venv is
current (exit 0) or not (exit 1).

Standard library only: it runs with the system python3 on a fresh machine.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

from env_requirements import (
    SETS, STAMP_NAME, choose_set, includes_set, make_stamp, read_requirements, read_stamp, requirements_file, staleness,
    venv_python, with_mlx,
)

PYTHON_DIR = Path(__file__).resolve().parent
ROOT = PYTHON_DIR.parent


def nvidia_gpu() -> bool:
    """nvidia-smi is there and lists a GPU (a driver without a device lists none and fails)."""
    if shutil.which("nvidia-smi") is None:
        return False
    try:
        listed = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return False
    return listed.returncode == 0 and "GPU " in listed.stdout


def pick(forced: str | None, add_mlx: bool, stamped: str | None) -> tuple[str, str]:
    available = {name for name in SETS if requirements_file(PYTHON_DIR, name).is_file()}
    if forced:
        if forced not in available:
            raise SystemExit(f"✗ --set {forced}: {requirements_file(PYTHON_DIR, forced)} does not exist")
        return forced, "asked for with --set"
    set_name, why = choose_set(platform.system(), platform.machine(), nvidia_gpu(), available)
    if add_mlx:
        with_it, why_not = with_mlx(set_name, platform.system(), platform.machine(), sys.version_info[:2], available)
        why += "; with MLX (--with-mlx)" if why_not is None else f"; without MLX: {why_not}"
        set_name = with_it
    if stamped and stamped != set_name and includes_set(PYTHON_DIR, stamped, set_name):
        return stamped, f"{why}; the venv's {stamped} set includes the {set_name} set"
    return set_name, why


def shown(path: Path) -> str:
    """A path as the user can type it from the project folder."""
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def run(command: list, what: str) -> None:
    """Runs a step with its output shown as it comes; a failure stops the set-up, naming the step."""
    print(f"· {what}: {' '.join(str(part) for part in command)}", flush=True)
    if subprocess.run(command).returncode != 0:
        raise SystemExit(f"✗ {what} failed (output above); fix the cause and run `npm run setup:python` again")


def create_venv(venv: Path, reason: str) -> None:
    if venv.exists():
        print(f"· removing {shown(venv)}: {reason}")
        shutil.rmtree(venv)
    if sys.version_info < (3, 10):
        raise SystemExit(f"✗ Python 3.10+ is needed for training; {sys.executable} is {platform.python_version()}")
    run([sys.executable, "-m", "venv", str(venv)], "creating the virtual environment")
    if not venv_python(venv).exists():
        raise SystemExit("✗ the venv has no python (on Debian/Ubuntu: apt install python3-venv)")


def write_stamp(venv: Path, stamp: dict) -> None:
    temporary = venv / f".{STAMP_NAME}.tmp"
    with open(temporary, "w", encoding="utf-8") as file:
        file.write(json.dumps(stamp, indent=2) + "\n")
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, venv / STAMP_NAME)


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Create or update the project's Python environment (.venv).")
    parser.add_argument("--set", choices=SETS, help="the requirement set (default: the one that fits this machine)")
    parser.add_argument("--with-mlx", action="store_true", help="add MLX where it has wheels (the hf set becomes the mlx set)")
    parser.add_argument("--check", action="store_true", help="only report whether the venv is current (exit 0) or not (exit 1)")
    parser.add_argument("--venv", default=str(ROOT / ".venv"), help="where the environment lives (default: .venv)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    venv = Path(arguments.venv)
    stamp = read_stamp(venv) if venv_python(venv).exists() else None
    set_name, why = pick(arguments.set, arguments.with_mlx, stamp and stamp.get("set"))
    path = requirements_file(PYTHON_DIR, set_name)
    requirements = read_requirements(path)
    reason = staleness(stamp, set_name, requirements.sha256, venv_python(venv).exists())
    label = f"the {set_name} set ({shown(path)}, sha256 {requirements.sha256[:12]})"
    if reason is None:
        print(f"✓ {shown(venv)} is up to date: {label}")
        return 0
    if arguments.check:
        print(f"✗ {shown(venv)} is not current: {reason}; `npm run setup:python` installs {label}")
        return 1

    started = time.monotonic()
    print(f"· {label} for this machine: {why}")
    print(f"· {shown(venv)} needs installing: {reason}")
    if not venv_python(venv).exists() or (stamp is not None and not includes_set(PYTHON_DIR, set_name, stamp.get("set"))):
        create_venv(venv, reason)
    python = venv_python(venv)
    run([python, "-m", "pip", "install", "--disable-pip-version-check", "-r", path], f"installing {shown(path)}")
    run([python, PYTHON_DIR / "verify_env.py", path], "checking the pins and imports")
    version = subprocess.run([python, "-c", "import platform; print(platform.python_version())"],
                             capture_output=True, text=True).stdout.strip()
    write_stamp(venv, make_stamp(set_name, shown(path), requirements.sha256, version))
    print(f"✓ {shown(venv)} is ready: {label}, Python {version}, in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
