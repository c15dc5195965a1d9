"""yente from PyPI in a venv of its own (it pins its own versions), indexing a local file of
entities into the benchmark's OpenSearch node and serving `/match`.

The venv lives in `.cache/yente-<version>` (shared by worktrees, ignored by git). yente needs
PyICU, whose PyPI release is a source archive that takes half an hour to compile on two shared
cores: the install resolves yente's dependencies as pip would (`--dry-run --report`), then
installs exactly those versions with the prebuilt `pyicu-wheels` (the same `icu` module) in
place of `pyicu`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.api.run import free_port
from bench.yente import ftm

VERSION = "5.5.0"
PYICU_WHEELS = "pyicu-wheels==2.15.2"
CACHE = Path(__file__).resolve().parents[2] / ".cache"


@dataclass(frozen=True)
class Yente:
    venv: Path
    version: str = VERSION

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @classmethod
    def installed(cls, version: str = VERSION) -> Yente:
        venv = CACHE / f"yente-{version}"
        marker = venv / ".installed"
        if not marker.exists():
            install(venv, version)
            marker.write_text(version)
        return cls(venv, version)

    def env(self, root: Path, url: str) -> dict[str, str]:
        manifest = root / "yente-manifest.yml"
        return {
            **os.environ,
            "YENTE_MANIFEST": str(manifest),
            "YENTE_INDEX_TYPE": "opensearch",
            "YENTE_INDEX_URL": url,
            "YENTE_INDEX_NAME": f"yente-{root.name.lower()}",
            "YENTE_AUTO_REINDEX": "false",
            "YENTE_DATA_PATH": str(root / "yente-data"),
            "YENTE_UPDATE_TOKEN": "benchmark",
            "YENTE_LOG_LEVEL": "WARNING",
        }

    def index(self, root: Path, entities: Path, url: str) -> None:
        """Index `entities` (one JSON `Person` a line) as the dataset `ftm.DATASET`."""
        (root / "yente-data").mkdir(exist_ok=True)
        (root / "yente-manifest.yml").write_text(
            json.dumps(  # YAML is a superset of JSON
                {
                    "catalogs": [],
                    "datasets": [
                        {
                            "name": ftm.DATASET,
                            "title": "ICJS benchmark world",
                            "path": str(entities),
                        }
                    ],
                }
            )
        )
        subprocess.run(
            [str(self.venv / "bin" / "yente"), "reindex", "--force"],
            env=self.env(root, url),
            check=True,
        )

    def serve(self, root: Path, url: str, log: Path) -> tuple[subprocess.Popen[bytes], str]:
        port = free_port()
        env = self.env(root, url) | {"YENTE_PORT": str(port), "YENTE_HOST": "127.0.0.1"}
        with log.open("ab") as sink:
            proc = subprocess.Popen(
                [str(self.venv / "bin" / "yente"), "serve"],
                env=env,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        base = f"http://127.0.0.1:{port}"
        wait_ready(proc, f"{base}/readyz", timeout_s=600)  # it checks its index first
        return proc, base


def install(venv: Path, version: str) -> None:
    print(f"[bench yente] installing yente {version} into {venv}", file=sys.stderr, flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    report = venv / "resolution.json"
    subprocess.run(
        [*pip, "--dry-run", "--ignore-installed", "--report", str(report), f"yente=={version}"],
        check=True,
    )
    pins = [
        f"{i['metadata']['name']}=={i['metadata']['version']}"
        for i in json.loads(report.read_text())["install"]
        if i["metadata"]["name"].lower() != "pyicu"
    ]
    subprocess.run([*pip, "--no-deps", *pins, PYICU_WHEELS], check=True)


def wait_ready(proc: subprocess.Popen[bytes], url: str, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"{url} was not ready within {timeout_s} s")
