"""A node that hangs (accepts connections, never answers: a long GC pause, a partition) holds a
read only `search.read_timeout_s` before the client retries it on another node, on a real
cluster node; writes keep the longer `search.request_timeout_s`."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from config import SearchSettings
from indexer.backends.engines import engine_for
from tests.plugins.backends import cluster_url

WRITE_TIMEOUT_S = 600.0  # what the read would wait for without its own timeout
READ_TIMEOUT_S = 1.0


class HungNode:
    """A listening socket that accepts every connection and never answers."""

    def __init__(self) -> None:
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._server.getsockname()[1])
        self.accepted: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self) -> None:
        self._server.close()
        for conn in self.accepted:
            conn.close()


@pytest.fixture
def hung() -> Iterator[HungNode]:
    node = HungNode()
    yield node
    node.close()


@pytest.mark.parametrize("engine", ["opensearch", "elasticsearch"])
def test_a_read_moves_on_from_a_hung_node_after_the_read_timeout(
    engine: str, hung: HungNode
) -> None:
    url = cluster_url(engine)
    settings = SearchSettings(
        backend=engine,  # type: ignore[arg-type]
        url=f"http://127.0.0.1:{hung.port},{url}",
        request_timeout_s=WRITE_TIMEOUT_S,
        read_timeout_s=READ_TIMEOUT_S,
    )
    cluster = engine_for(settings)
    answers: list[int] = []

    def reads() -> None:  # round robin: one of the first two goes to the hung node
        for _ in range(4):
            answers.append(cluster.docs.count("_all", {"query": {"match_all": {}}}))

    reader = threading.Thread(target=reads, daemon=True)
    reader.start()
    # a bound far above the read timeout and far below the write timeout: without its own
    # timeout the read sent to the hung node would wait WRITE_TIMEOUT_S
    reader.join(timeout=60)
    try:
        assert hung.accepted, "the hung node was never asked"
        assert not reader.is_alive(), "a read waited on the hung node for the write timeout"
        assert len(answers) == 4 and all(n >= 0 for n in answers)
    finally:
        cluster.close()
