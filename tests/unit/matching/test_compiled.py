"""The compiled matcher (`scripts/compile_matching.py`) answers exactly as its source does, and a
build older than its source never answers. Both need the build, which `make` does."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from itertools import product
from pathlib import Path

import pytest

import matching

PACKAGE = Path(matching.__file__).resolve().parent

pytestmark = pytest.mark.skipif(
    not matching.compiled(), reason="the matcher is not compiled here (`make` compiles it)"
)

NAMES = [
    "Mohd. Irfan",
    "MOHAMMED IRFAN KHAN",
    "मोहम्मद इरफ़ान",
    "K. Murugan",
    "Murugan Kandasamy",
    "Laxmi",
    "Lakshmi Devi",
    "राजेंद्र कुमार",
    "R. K. Sharma",
    "Rajesh Kumar Sharma",
    "Ramkumar Yadav",
    "Ram Kumar Yadav",
    "Smt. Savita W/O Ramesh Kulkarni",
    "S. G. Kulkarni",
    "Siddaramaiah Gangadhar Kulkarni",
    "ಸಿದ್ದರಾಮಯ್ಯ",
    "Sourav @ Babu Ganguly",
    "Harleen Kaur",
    "Cehema Harpreet",
    "சுப்பிரமணியன் செந்தில்",
]

# scores, reasons and keys for every ordered pair, with and without corroborating attributes
PROBE = """
import json, sys
import matching
from matching.api import PersonQuery, analyse, name_keys, score
from records import Person

names = json.loads(sys.argv[1])
out = {"compiled": matching.compiled(), "keys": {n: sorted(name_keys(n)) for n in names}}
plain = [Person(name=n) for n in names]
rich = [Person(name=n, relative_name="Ramesh Kulkarni", birth_year=1980) for n in names]
for attrs in (False, True):
    for q in names:
        extra = {"relative_name": "Ramesh", "birth_year": 1981} if attrs else {}
        a = analyse(PersonQuery(name=q, **extra))
        for p in rich if attrs else plain:
            m = score(a, p)
            out[f"{attrs}|{q}|{p.name}"] = [m.score, [r.as_dict() for r in m.reasons]]
print(json.dumps(out, ensure_ascii=False))
"""


def _probe(cwd: Path, **env: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(NAMES)],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_compiled_and_source_give_the_same_scores_reasons_and_keys(tmp_path: Path) -> None:
    compiled = _probe(tmp_path)  # another directory: the build is found through the install
    source = _probe(tmp_path, ICJS_MATCHING_SOURCE="1")
    assert compiled.pop("compiled") is True
    assert source.pop("compiled") is False
    assert len(compiled) == 1 + 2 * len(list(product(NAMES, NAMES)))
    assert compiled == source


def test_a_build_older_than_its_source_is_not_used(tmp_path: Path) -> None:
    copy = tmp_path / "matching"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    os.utime(copy / "parse.py")  # edited after the build
    done = subprocess.run(
        [sys.executable, "-c", "import matching; print(matching.compiled())"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "False"
    assert "compiled modules older than their source (parse)" in done.stderr
