"""`icjs simulate` as a subprocess: manifest file, serving, admin advance, clean stop."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from simulators.harness import Running


def test_icjs_simulate_writes_a_manifest_and_serves(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.json"
    truth = tmp_path / "truth.jsonl"
    env = dict(os.environ, ICJS_SIM_ADMIN_KEY="test-admin-key", COLUMNS="200")
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "icjs"),
            "simulate",
            "--persons",
            "120",
            "--seed",
            "3",
            "--faults",
            "none",
            "--data-dir",
            str(tmp_path / "cache"),
            "--manifest",
            str(manifest),
            "--truth",
            str(truth),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=Path(__file__).resolve().parents[3],
    )
    try:
        deadline = time.monotonic() + 60
        while not (manifest.exists() and truth.exists()) and time.monotonic() < deadline:
            assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
            time.sleep(0.2)
        data = json.loads(manifest.read_text())
        assert set(data) == {
            "cctns",
            "eprisons",
            "vahan",
            "sarathi",
            "alis",
            "ncrp",
            "ivfrt",
            "khoyapaya",
        }
        assert set(data["cctns"]) == {"url", "api_key"}
        assert set(data["eprisons"]) == set(data["ncrp"]) == {"url", "client_id", "client_secret"}
        assert set(data["alis"]) == {"url", "username", "password"}
        r = httpx.get(
            data["cctns"]["url"] + "/v1/persons", headers={"X-API-Key": data["cctns"]["api_key"]}
        )
        assert r.status_code == 200 and r.json()["data"]
        root = data["cctns"]["url"].rsplit("/", 1)[0]
        adv = httpx.post(
            root + "/_admin/advance", json={"minutes": 5}, headers={"X-Admin-Key": "test-admin-key"}
        )
        assert adv.status_code == 200
        lines = truth.read_text(encoding="utf-8").splitlines()
        assert lines and json.loads(lines[0])["type"] == "record"
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=20)
    text = out.decode()
    assert proc.returncode == 0, text
    assert "simulators stopped" in text and "generating world" in text


def test_base_port_gives_consecutive_ports(
    simulators_factory: Callable[..., Running], tmp_path: Path
) -> None:
    import random
    import socket

    for _ in range(20):
        base = random.randint(20000, 60000)
        free = True
        for p in range(base, base + 8):
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", p))
                except OSError:
                    free = False
                    break
        if free:
            break
    sims = simulators_factory(seed=3, persons=60, port=base, data_dir=tmp_path)
    ports = [srv.port for srv in sims.servers.values()]
    assert ports == list(range(base, base + 8))
    assert list(sims.servers) == [
        "cctns",
        "eprisons",
        "vahan",
        "sarathi",
        "alis",
        "ncrp",
        "ivfrt",
        "khoyapaya",
    ]
