"""What `npm run setup:python` decides before it touches anything, standard library only:
which requirement set fits this machine, what a requirements file pins and which
modules it says to import afterwards, and whether a virtual environment is still
current (its stamp holds the hash of the file it was installed from).
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

SETS = ("hf", "unsloth", "mlx")
STAMP_NAME = "joco-env.json"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)\s*$")
_IMPORTS = re.compile(r"^#\s*imports:\s*(.+)$")
_SET_FILE = re.compile(r"^requirements-([a-z]+)\.txt$")


def requirements_file(python_dir: Path, name: str) -> Path:
    return python_dir / f"requirements-{name}.txt"


def choose_set(system: str, machine: str, nvidia_gpu: bool, available: set[str]) -> tuple[str, str]:
    """(set, why) for a machine: platform.system(), platform.machine(), whether nvidia-smi lists a GPU."""
    if system == "Darwin" and machine == "arm64":
        if "mlx" in available:
            return "mlx", "Apple silicon"
        return "hf", "Apple silicon, but there is no requirements-mlx.txt: transformers + peft on MPS"
    if system == "Linux" and nvidia_gpu:
        return "unsloth", "Linux with an NVIDIA GPU (nvidia-smi)"
    return "hf", "no NVIDIA GPU" if system == "Linux" else f"{system} {machine}"


def with_mlx(set_name: str, system: str, machine: str, python: tuple[int, int], available: set[str]) -> tuple[str, str | None]:
    """The set that adds MLX to `set_name` where MLX publishes wheels, and why not otherwise.

    On Linux the mlx set is the hf set plus MLX's CPU build: the mlx backend's tests and
    `rehearse --backend mlx` run there for real. The unsloth set stays as it is (a CUDA box
    trains with unsloth; its venv is not replaced for a test backend)."""
    if set_name == "mlx":
        return set_name, None
    if set_name != "hf" or "mlx" not in available:
        return set_name, f"the {set_name} set is kept; MLX is added only to the hf set"
    if not (system == "Linux" and machine in ("x86_64", "aarch64")) and not (system == "Darwin" and machine == "arm64"):
        return set_name, f"MLX publishes no wheels for {system} {machine}"
    if python < (3, 11):
        return set_name, f"mlx-lm needs Python 3.11+, this is {python[0]}.{python[1]}"
    return "mlx", None


@dataclass(frozen=True)
class Requirements:
    pins: dict[str, str]  # normalized distribution name → exact version (lines without a marker)
    imports: tuple[str, ...]  # modules to import once installed (`# imports:` comment lines)
    sha256: str  # of the file and every file it includes with -r, in order
    includes: tuple[str, ...] = ()  # the sets it includes with -r requirements-<set>.txt, at any depth


def normalize(name: str) -> str:
    """PEP 503: Unsloth_Zoo, unsloth-zoo and unsloth.zoo are one distribution."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_requirements(path: Path) -> Requirements:
    pins: dict[str, str] = {}
    imports: list[str] = []
    includes: list[str] = []
    digest = hashlib.sha256()
    pending = [path]
    while pending:
        current = pending.pop(0)
        text = current.read_text(encoding="utf-8")
        digest.update(text.encode("utf-8"))
        for raw in text.splitlines():
            line = raw.strip()
            if match := _IMPORTS.match(line):
                imports.extend(match.group(1).split())
            elif line.startswith("-r "):
                included = current.parent / line[3:].strip()
                pending.append(included)
                if match := _SET_FILE.match(included.name):
                    includes.append(match.group(1))
            elif match := _PIN.match(line.split(" #")[0].strip()):
                pins[normalize(match.group(1))] = match.group(2)
    return Requirements(pins=pins, imports=tuple(imports), sha256=digest.hexdigest(), includes=tuple(includes))


def includes_set(python_dir: Path, outer: str | None, inner: str) -> bool:
    """Whether a venv holding `outer` already has everything of `inner` (mlx includes hf)."""
    if outer == inner:
        return True
    path = requirements_file(python_dir, outer) if outer in SETS else None
    return path is not None and path.is_file() and inner in read_requirements(path).includes


def make_stamp(set_name: str, requirements: str, sha256: str, python: str) -> dict:
    return {"set": set_name, "requirements": requirements, "sha256": sha256, "python": python}


def read_stamp(venv: Path) -> dict | None:
    try:
        stamp = json.loads((venv / STAMP_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return stamp if isinstance(stamp, dict) else None


def staleness(stamp: dict | None, set_name: str, sha256: str, venv_python_exists: bool) -> str | None:
    """Why the environment must be (re)installed, or None when it is current."""
    if not venv_python_exists:
        return "there is no virtual environment yet"
    if stamp is None:
        return "the environment was not made by this set-up (no stamp)"
    if stamp.get("set") != set_name:
        return f"it holds the {stamp.get('set')} set, not {set_name}"
    if stamp.get("sha256") != sha256:
        return f"{stamp.get('requirements', 'the requirements file')} changed since it was installed"
    return None


def base_version(version: str) -> str:
    """torch 2.13.0+cpu satisfies a pin on 2.13.0: the local part names the build, not the release."""
    return version.split("+", 1)[0]


def venv_python(venv: Path) -> Path:
    windows = venv / "Scripts" / "python.exe"
    return windows if windows.exists() else venv / "bin" / "python"
