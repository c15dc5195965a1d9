"""`icjs serve --host --port` runs the API from the configuration, and stops cleanly."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_icjs_serve(tmp_path: Path) -> None:
    icjs = shutil.which("icjs", path=str(Path(sys.executable).parent))
    assert icjs, "the icjs console script is installed in the virtualenv"
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ICJS_")},
        "ICJS_SEARCH__PATH": str(tmp_path / "icjs.db"),
        "ICJS_AUTH__DB_PATH": str(tmp_path / "auth.db"),
        "ICJS_AUTH__KEYS_DIR": str(tmp_path / "keys"),
        "ICJS_AUTH__AUDIT_PATH": str(tmp_path / "audit.db"),
        "ICJS_SYNC__STATE_PATH": str(tmp_path / "sync.db"),
        "ICJS_DATA_DIR": str(tmp_path),
    }
    proc = subprocess.Popen(
        [icjs, "serve", "--host", "127.0.0.1", "--port", str(port), "--log-json"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        ready = None
        while time.monotonic() < deadline and ready is None:
            try:
                ready = httpx.get(
                    f"http://127.0.0.1:{port}/readyz", headers={"X-Request-ID": "cli-test-0001"}
                )
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                time.sleep(0.2)
        assert ready is not None and ready.status_code == 200, ready
        assert str(tmp_path / "icjs.db") in ready.json()["detail"]
        unauthorised = httpx.post(
            f"http://127.0.0.1:{port}/v1/persons/search", json={"name": "A", "purpose": "cli"}
        )
        assert unauthorised.status_code == 401
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out.decode()
    lines = out.decode()
    assert '"request_id": "cli-test-0001"' in lines, "JSON access log lines carry the request id"
