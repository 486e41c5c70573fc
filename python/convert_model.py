"""A Hugging Face model folder → GGUF, with llama.cpp's own converter (found as export.py finds it):
the rehearsal's untrained "before" model, benchmarked beside the trained one.

    python convert_model.py MODEL_DIR OUT.gguf [--outtype q8_0|f16]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from export_gguf import convert
from llama_tools import find_llama_cpp


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("out", type=Path)
    parser.add_argument("--outtype", choices=["q8_0", "f16"], default="q8_0")
    args = parser.parse_args(argv)
    llama = find_llama_cpp()
    if llama.converter is None:
        print("✗ llama.cpp's converter was not found: " + "; ".join(llama.notes), file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    convert(llama, args.model, args.out, args.outtype)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
