"""`icjs serve` as a real process, for what only the command line sets up (TLS, logging, proxy
headers): a context manager yielding the base URL and, after exit, the process's output."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def environment(root: Path, **extra: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("ICJS_")},
        "ICJS_SEARCH__PATH": str(root / "icjs.db"),
        "ICJS_AUTH__DB_PATH": str(root / "auth.db"),
        "ICJS_AUTH__KEYS_DIR": str(root / "keys"),
        "ICJS_AUTH__AUDIT_PATH": str(root / "audit.db"),
        "ICJS_SYNC__STATE_PATH": str(root / "sync.db"),
        "ICJS_DATA_DIR": str(root),
        **extra,
    }


@dataclass
class Served:
    url: str
    output: str = field(default="")


@contextmanager
def icjs_serve(
    root: Path,
    *args: str,
    verify: ssl.SSLContext | bool = True,
    **env: str,
) -> Iterator[Served]:
    icjs = shutil.which("icjs", path=str(Path(sys.executable).parent))
    assert icjs, "the icjs console script is installed in the virtualenv"
    port = free_port()
    scheme = "https" if "--tls-cert" in args else "http"
    served = Served(f"{scheme}://127.0.0.1:{port}")
    proc = subprocess.Popen(
        [icjs, "serve", "--host", "127.0.0.1", "--port", str(port), *args],
        env=environment(root, **env),
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(served.url + "/healthz", verify=verify, timeout=5)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    out = proc.stdout.read().decode() if proc.stdout else ""
                    raise AssertionError(f"icjs serve did not start: {out}") from None
                time.sleep(0.2)
        yield served
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
        served.output = out.decode("utf-8", errors="backslashreplace")
