"""Three (or N) OpenSearch nodes on loopback, one JVM each, so that one can be killed.

    python scripts/opensearch_cluster.py serve [--nodes 3] [--heap-mb 512]

`scripts/opensearch_node.py --nodes N` runs N nodes inside one JVM: fine for tests, useless for
losing a node. Here every node is its own process (the same jars, `.cache/opensearch/lib`, the
same runner with `-numOfNode 1`) with its own data directory under one base, its own HTTP port
(read back from its log) and a fixed transport port; `discovery.seed_hosts` lists every
node's transport address and `cluster.initial_cluster_manager_nodes` names them by address (the
runner calls each of its nodes "Node 1"). The runner writes its default `opensearch.yml` only
when none exists, and its own settings (name, HTTP port, paths) win over the file's, so the
discovery settings go into that file before the node starts.

`LocalCluster` is what `make chaos` (bench/chaos/run.py) drives: `start()`, `kill(i)` (SIGKILL,
no shutdown), `restart(i)` (same data directory: the node rejoins with what it had), `stop()`.
`serve` keeps a cluster up until Ctrl-C and prints the comma-separated URLs.
Standard library only, like its sibling.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from opensearch_node import (
    LIB,
    MAIN_CLASS,
    START_TIMEOUT_S,
    _port_free,
    _published_port,
    ensure_jars,
)

# Transport ports away from 9300-9400 (OpenSearch's default, and where its default discovery
# looks) and from the kernel's ephemeral range, where `opensearch_node.py`'s test nodes take
# theirs: a chaos run and the test suites of others on this machine must not collide.
TRANSPORT_RANGE = range(9410, 9600)
# HTTP ports: the runner takes nothing above 9299, and test nodes take a free one at random
# from 9201 up; a node whose port was taken between our check and its bind fails to start, and
# is started again on another
HTTP_TOP = 9299
START_ATTEMPTS = 3


def log(message: str) -> None:
    print(f"[opensearch-cluster] {message}", file=sys.stderr, flush=True)


def http_json(url: str, timeout: float = 2.0) -> dict[str, object] | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body: dict[str, object] = json.load(response)
            return body
    except (OSError, ValueError):
        return None


def free_http_port(taken: set[int]) -> int:
    """The highest free HTTP port the runner accepts, not in `taken`."""
    for port in range(HTTP_TOP, 9200, -1):
        if port not in taken and _port_free(port):
            return port
    raise RuntimeError("no free loopback port in 9201-9299 for OpenSearch HTTP")


def free_transport_ports(count: int) -> list[int]:
    for base in TRANSPORT_RANGE:
        ports = list(range(base, base + count))
        if all(_port_free(p) for p in ports):
            return ports
    raise RuntimeError(f"no {count} free loopback ports in {TRANSPORT_RANGE} for transport")


def node_config(cluster: str, transport_port: int, seeds: list[int]) -> str:
    """The `opensearch.yml` of one node: discovery by every node's transport address."""
    addresses = ", ".join(f'"127.0.0.1:{p}"' for p in seeds)
    return "\n".join(
        [
            f"cluster.name: {cluster}",
            "network.host: 127.0.0.1",
            f"transport.port: {transport_port}",
            f"discovery.seed_hosts: [{addresses}]",
            f"cluster.initial_cluster_manager_nodes: [{addresses}]",
            # a shared disk filling up must not be what stops replicas from being assigned
            "cluster.routing.allocation.disk.threshold_enabled: false",
            "",
        ]
    )


class NodeExited(RuntimeError):
    pass


@dataclass
class Node:
    number: int
    home: Path
    transport_port: int
    process: subprocess.Popen[bytes] | None = None
    http_port: int | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def log_path(self) -> Path:
        return self.home / f"node-{self.starts}.log"

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


@dataclass
class LocalCluster:
    size: int = 3
    heap_mb: int = 512
    base: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="icjs-chaos-")))
    name: str = field(default_factory=lambda: f"icjs-chaos-{os.getpid()}")
    nodes: list[Node] = field(default_factory=list)

    def start(self) -> None:
        ensure_jars()
        transports = free_transport_ports(self.size)
        self.nodes = [
            Node(i + 1, self.base / f"n{i + 1}", port) for i, port in enumerate(transports)
        ]
        for node in self.nodes:
            (node.home / "node_1" / "config").mkdir(parents=True)
            (node.home / "node_1" / "config" / "opensearch.yml").write_text(
                node_config(self.name, node.transport_port, transports)
            )
        for node in self.nodes:
            node.http_port = free_http_port({n.http_port for n in self.nodes if n.http_port})
            self._launch(node)
        for node in self.nodes:
            for attempt in range(1, START_ATTEMPTS + 1):
                try:
                    self._wait_http(node)
                    break
                except NodeExited:
                    if attempt == START_ATTEMPTS:
                        raise
                    log(f"node {node.number} failed to start; again on another HTTP port")
                    others = {n.http_port for n in self.nodes if n.http_port}
                    node.http_port = free_http_port(others)
                    self._launch(node)
        self.wait_for(lambda h: h.get("status") == "green" and self._all_joined(h))
        log(f"cluster {self.name} is green with {self.size} nodes: {self.urls()}")

    def urls(self) -> str:
        """Every node's HTTP address, comma-separated (what `search.url` takes)."""
        return ",".join(n.url for n in self.nodes)

    def _all_joined(self, health: dict[str, object]) -> bool:
        return health.get("number_of_nodes") == self.size

    def _launch(self, node: Node) -> None:
        java = os.environ.get("ICJS_TEST_JAVA", "java")
        # the HTTP port: the runner takes the first free one from base+1 up (never past 9299),
        # so nodes started together need different bases (all would see the same port free);
        # a restarted node asks for the port it had, so clients' host lists stay right
        assert node.http_port is not None
        base_port = node.http_port - 1
        node.starts += 1
        cmd = [
            java,
            f"-Xms{self.heap_mb}m",
            f"-Xmx{self.heap_mb}m",
            "-cp",
            f"{LIB}/*",
            MAIN_CLASS,
            "-basePath",
            str(node.home),
            "-numOfNode",
            "1",
            "-baseHttpPort",
            str(base_port),
            "-clusterName",
            self.name,
        ]
        with node.log_path.open("wb") as sink:
            node.process = subprocess.Popen(
                cmd, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
            )
        log(f"node {node.number} started (pid {node.process.pid}, log {node.log_path})")

    def _wait_http(self, node: Node) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            assert node.process is not None
            if node.process.poll() is not None:
                sys.stderr.write(node.log_path.read_text(errors="replace")[-4000:])
                raise NodeExited(f"node {node.number} exited with {node.process.returncode}")
            port = _published_port(node.log_path)
            if port and http_json(f"http://127.0.0.1:{port}/"):
                node.http_port = port
                return
            time.sleep(0.5)
        raise RuntimeError(f"node {node.number} did not answer HTTP within {START_TIMEOUT_S}s")

    def health(self) -> dict[str, object] | None:
        """Cluster health from the first live node that answers."""
        for node in self.nodes:
            if node.alive() and node.http_port:
                found = http_json(f"{node.url}/_cluster/health", timeout=5)
                if found:
                    return found
        return None

    def get(self, path: str) -> object:
        """A GET on the first live node that answers (None when none does)."""
        for node in self.nodes:
            if node.alive() and node.http_port:
                try:
                    with urllib.request.urlopen(f"{node.url}{path}", timeout=10) as response:
                        return json.load(response)
                except (OSError, ValueError):
                    continue
        return None

    def wait_for(self, ready: object, timeout_s: float = START_TIMEOUT_S) -> float:
        """Seconds until `ready(health)` holds."""
        assert callable(ready)
        started = time.monotonic()
        while time.monotonic() - started < timeout_s:
            health = self.health()
            if health and ready(health):
                return time.monotonic() - started
            time.sleep(0.2)
        raise RuntimeError(f"cluster {self.name} not ready within {timeout_s:.0f}s")

    def kill(self, number: int) -> None:
        """SIGKILL: no shutdown hook, no flush; what a power cut or the OOM killer does."""
        node = self.nodes[number - 1]
        assert node.process is not None
        os.killpg(node.process.pid, signal.SIGKILL)
        node.process.wait()
        log(f"node {number} killed (SIGKILL)")

    def restart(self, number: int) -> None:
        """Start node `number` again on its data directory and its HTTP port. Should another
        process have taken that port meanwhile, the node would come up on another one, and the
        clients' host lists would name a stranger: that is an error, not a quiet change."""
        node = self.nodes[number - 1]
        assert not node.alive(), f"node {number} is still running"
        port = node.http_port
        self._launch(node)
        self._wait_http(node)
        if node.http_port != port:
            raise RuntimeError(f"node {number} came back on port {node.http_port}, not {port}")

    def stop(self, *, keep_logs: bool = False) -> None:
        """Stop every node and delete the data; `keep_logs` keeps the nodes' logs (only)."""
        for node in self.nodes:
            if node.alive():
                assert node.process is not None
                os.killpg(node.process.pid, signal.SIGTERM)
        for node in self.nodes:
            if node.process is not None and node.process.poll() is None:
                try:
                    node.process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(node.process.pid, signal.SIGKILL)
                    node.process.wait()
        if keep_logs:
            for node in self.nodes:
                shutil.rmtree(node.home / "node_1", ignore_errors=True)
        else:
            shutil.rmtree(self.base, ignore_errors=True)
        log("stopped and cleaned up")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="verb", required=True)
    serve = sub.add_parser("serve", help="start the cluster and keep it up until Ctrl-C")
    serve.add_argument("--nodes", type=int, default=3)
    serve.add_argument("--heap-mb", type=int, default=512)
    args = parser.parse_args()
    cluster = LocalCluster(size=args.nodes, heap_mb=args.heap_mb)
    try:
        cluster.start()
        print(cluster.urls(), flush=True)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 130
    finally:
        cluster.stop()


if __name__ == "__main__":
    sys.exit(main())
