"""Compile the name matcher's hot modules with mypyc, in place (docs/decisions.md, "The matcher
is compiled"). `make` runs it after installing the virtualenv and again whenever a module changed.

    python scripts/compile_matching.py [--clean]

The compiled modules are the same type-checked source, about twice as fast. When they cannot be
built (no C compiler, a mypyc error) this says so and exits 0: the package runs as plain Python,
the same answers, slower. `--clean` removes the built files instead.
"""

from __future__ import annotations

import argparse
import importlib.machinery
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# the rescoring and key paths; `scripts` (transliteration, cached per word), `identifiers` and
# `variants` are not hot; `features` is the weighted sum `calibration` runs for every comparison
MODULES = [
    "api",
    "calibration",
    "features",
    "keys",
    "parse",
    "phonetic",
    "relatives",
    "rescore",
    "similarity",
]
GROUP = "matching.native"  # mypyc's shared library for the group: matching/native__mypyc.*.so


def built_files() -> list[Path]:
    suffixes = importlib.machinery.EXTENSION_SUFFIXES
    return [p for p in (ROOT / "matching").iterdir() if any(p.name.endswith(s) for s in suffixes)]


def clean() -> None:
    for path in built_files():
        path.unlink()
    shutil.rmtree(ROOT / "build", ignore_errors=True)


def compile_modules() -> None:
    from mypyc.build import mypycify
    from setuptools import setup

    os.chdir(ROOT)  # mypyc takes paths relative to the project, and builds there
    extensions = mypycify([f"matching/{m}.py" for m in MODULES], opt_level="3", group_name=GROUP)
    setup(
        name="icjs-matching-compiled",
        ext_modules=extensions,
        script_args=["--quiet", "build_ext", "--inplace"],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clean", action="store_true", help="remove the compiled modules")
    args = parser.parse_args(argv)
    clean()  # never leave a half-built set: compiled modules call each other natively
    if args.clean:
        return 0
    try:
        compile_modules()
    except (Exception, SystemExit) as error:  # setuptools reports a failed compile by exiting
        clean()
        print(
            f"compile_matching: not compiled ({type(error).__name__}: {error}); the name matcher "
            "runs as plain Python (same answers, about half the speed)",
            file=sys.stderr,
        )
        return 0
    print(f"compile_matching: compiled {len(MODULES)} matching modules with mypyc")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
