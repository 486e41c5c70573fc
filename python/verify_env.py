"""Checks an installed environment against its requirements file; run by the venv's python:

    .venv/bin/python python/verify_env.py python/requirements-hf.txt

Every exact pin must be the installed version (a local build tag such as +cpu
aside), and every module of the file's `# imports:` line must import. Prints one
line per problem and exits 1, or one summary line and exits 0. Standard library
only, so that it runs before anything is known to be there.
"""
from __future__ import annotations

import importlib
import sys
import time
from importlib import metadata
from pathlib import Path

from env_requirements import base_version, read_requirements


def version_problems(pins: dict[str, str]) -> list[str]:
    problems = []
    for name, wanted in pins.items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            problems.append(f"{name}=={wanted} is not installed")
            continue
        if base_version(installed) != wanted:
            problems.append(f"{name}: {installed} is installed, the requirements pin {wanted}")
    return problems


def import_problems(modules: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """(problems, "module version" of those that imported)."""
    problems, loaded = [], []
    for module in modules:
        try:
            imported = importlib.import_module(module)
        except Exception as error:  # noqa: BLE001 — any failure to import is what this check reports
            problems.append(f"import {module} failed: {type(error).__name__}: {error}")
            continue
        loaded.append(f"{module} {getattr(imported, '__version__', '')}".strip())
    return problems, loaded


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: verify_env.py REQUIREMENTS_FILE", file=sys.stderr)
        return 2
    requirements = read_requirements(Path(argv[0]))
    started = time.monotonic()
    problems = version_problems(requirements.pins)
    failed_imports, loaded = import_problems(requirements.imports)
    problems += failed_imports
    for problem in problems:
        print(f"  ✗ {problem}")
    if problems:
        return 1
    print(f"  ✓ {len(requirements.pins)} pins installed; imported {', '.join(loaded)} ({time.monotonic() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
