"""The index under a running server (API4 availability, API8 failure modes).

The probes killed `icjs serve` with SIGBUS by shrinking the embedded index under it (the file was
memory-mapped), got a raw traceback from a corrupt index and a 500 when the search engine went
down. Here, against a live server: a rebuild in another process while searches run is invisible
to them; a file overwritten, shrunk, replaced or removed under the server makes searches `503`
and `/readyz` fail with a message that says what happened and what to do, and the server lives
on; an engine outage is `503` with `Retry-After`.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx
import pytest

from config import SearchSettings
from indexer import open_backend
from indexer.backends.base import Backend
from tests.plugins.api import LiveApi, api_settings_for, api_world, fill, start_api

SEARCH = {"name": "Rajendra Patil", "purpose": "index under the server"}


@pytest.fixture
def index_file(tmp_path: Path) -> Path:
    path = tmp_path / "index" / "icjs.db"
    backend = open_backend(SearchSettings(backend="embedded", path=path))
    fill(backend, api_world())
    backend.close()
    return path


@contextmanager
def serving(tmp_path: Path, path: Path) -> Iterator[LiveApi]:
    backend = open_backend(SearchSettings(backend="embedded", path=path))
    try:
        with start_api(api_settings_for(tmp_path, rate_limit_per_minute=1_000_000), backend) as api:
            yield api
    finally:
        backend.close()


def _search(api: LiveApi, token: str) -> httpx.Response:
    return api.post("/v1/persons/search", token, json=SEARCH)


def _unavailable(api: LiveApi, token: str, words: str) -> None:
    response = _search(api, token)
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"]
    assert words in response.json()["detail"], response.json()["detail"]
    ready = api.get("/readyz", None)
    assert ready.status_code == 503 and words in ready.json()["detail"], ready.text
    assert api.get("/healthz", None).status_code == 200  # the process lives on


def test_a_rebuild_in_another_process_is_invisible_to_searches(
    tmp_path: Path, index_file: Path
) -> None:
    with serving(tmp_path, index_file) as api:
        token = api.officer()
        statuses: list[int] = []
        stop = threading.Event()

        def searching() -> None:
            while not stop.is_set():
                statuses.append(_search(api, token).status_code)

        thread = threading.Thread(target=searching)
        thread.start()
        try:
            for _ in range(2):
                rebuilt = subprocess.run(
                    [str(Path(sys.executable).parent / "icjs"), "index", "rebuild"],
                    env={"ICJS_SEARCH__PATH": str(index_file), "PATH": "/usr/bin:/bin"},
                    cwd=tmp_path,
                    capture_output=True,
                    text=True,
                    timeout=300,
                )
                assert rebuilt.returncode == 0, rebuilt.stderr
        finally:
            stop.set()
            thread.join()
        assert statuses and set(statuses) == {200}, sorted(set(statuses))
        assert api.get("/readyz", None).status_code == 200


def test_an_index_shrunk_under_the_server_is_503_not_sigbus(
    tmp_path: Path, index_file: Path
) -> None:
    small = tmp_path / "small.db"
    fill(open_backend(SearchSettings(backend="embedded", path=small)), api_world()[:2]).close()
    with serving(tmp_path, index_file) as api:
        token = api.officer()
        assert _search(api, token).status_code == 200
        shutil.copyfile(small, index_file)  # in place: same inode, a smaller, other file
        for _ in range(5):
            assert _search(api, token).status_code in (200, 503)
        _unavailable(api, token, "replaced")


def test_an_index_overwritten_with_garbage_is_503(tmp_path: Path, index_file: Path) -> None:
    with serving(tmp_path, index_file) as api:
        token = api.officer()
        assert _search(api, token).status_code == 200
        with index_file.open("r+b") as f:
            f.write(b"\x00garbage" * 4096)
        _unavailable(api, token, "damaged")


def test_an_index_removed_under_the_server_is_503(tmp_path: Path, index_file: Path) -> None:
    with serving(tmp_path, index_file) as api:
        token = api.officer()
        assert _search(api, token).status_code == 200
        index_file.unlink()
        _unavailable(api, token, "removed")


def test_an_index_replaced_by_rename_is_503_until_restart(tmp_path: Path, index_file: Path) -> None:
    other = tmp_path / "other.db"
    fill(open_backend(SearchSettings(backend="embedded", path=other)), api_world()).close()
    with serving(tmp_path, index_file) as api:
        token = api.officer()
        assert _search(api, token).status_code == 200
        other.replace(index_file)
        _unavailable(api, token, "restart the server")


def test_a_corrupt_index_at_start_up_is_a_clear_503(tmp_path: Path) -> None:
    path = tmp_path / "index" / "icjs.db"
    path.parent.mkdir()
    path.write_bytes(b"not a database, whatever the extension says" * 100)
    with serving(tmp_path, path) as api:
        _unavailable(api, api.officer(), "cannot be read")


class _Gate:
    """A TCP relay to the search engine that can be shut: the engine 'goes down'."""

    def __init__(self, target: str) -> None:
        host, port = target.removeprefix("http://").rstrip("/").split(":")
        self.target = (host, int(port))
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        self.open = True
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            if not self.open:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            self.connections += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                with suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.open = False
        self.server.close()
        for s in self.connections:
            with suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)


def test_the_search_engine_going_down_is_503_with_retry_after(
    tmp_path: Path, opensearch_url: str, index_prefix: str
) -> None:
    gate = _Gate(opensearch_url)
    backend: Backend = open_backend(
        SearchSettings(
            backend="opensearch", url=gate.url, index_prefix=index_prefix, request_timeout_s=3
        )
    )
    fill(backend, api_world())
    with start_api(api_settings_for(tmp_path), backend) as api:
        token = api.officer()
        assert _search(api, token).status_code == 200
        gate.close()
        response = _search(api, token)
        assert response.status_code == 503, response.text
        assert int(response.headers["retry-after"]) > 0
        assert "opensearch" in response.json()["detail"].lower()
        assert api.get("/readyz", None).status_code == 503
    backend.close()
