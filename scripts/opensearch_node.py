"""Run a command next to a real, throw-away OpenSearch node (or a three-node cluster).

    python scripts/opensearch_node.py run [--nodes N] -- pytest …

Fetches OpenSearch's jars from Maven Central once (tests/opensearch/pom.xml →
.cache/opensearch/lib),
starts `org.codelibs.opensearch.runner.OpenSearchRunner` on a free loopback port, waits until the
cluster is green with every node joined, exports `ICJS_TEST_OPENSEARCH_URL` to the command, and
stops the node and removes its data however the command ends. Exits with the command's status.

Runs started at the same moment (two test suites, a benchmark beside them) stay apart: each
node binds its own transport port (one the kernel picks, away from the 9300s where OpenSearch's
default discovery looks) on 127.0.0.1 only; a single node does no discovery at all
(`discovery.type: single-node`), and nodes of one run look only at each other's ports; the
cluster's name is unique, and the node we wait for must answer with it. Left to the defaults,
every node probed 9300-9305 on both loopbacks, and one run's node met another's ("remote
cluster name … does not match") and exited at start (3 of 18 starts, three at once). The
runner takes no discovery settings, but writes its default `opensearch.yml` only where none
exists, so ours goes into each node's config directory before it starts (as
`opensearch_cluster.py` does).
A node that still exits at start (a port taken between our check and its bind, say: the runner
does not say why) is started again on other ports.

`serve` keeps a node up until Ctrl-C (used by `make demo-cluster`) and prints its URL.
Standard library only: it runs before the virtualenv has anything in it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POM = ROOT / "tests" / "opensearch" / "pom.xml"
LIB = ROOT / ".cache" / "opensearch" / "lib"
STAMP = LIB / ".complete"
MAIN_CLASS = "org.codelibs.opensearch.runner.OpenSearchRunner"
START_TIMEOUT_S = 180
# Starts of one run: a node that exits at start (a port taken under it) is tried again on others.
START_ATTEMPTS = 3


def log(message: str) -> None:
    print(f"[opensearch-node] {message}", file=sys.stderr, flush=True)


def ensure_jars() -> None:
    """Download the node's classpath once; the stamp makes later runs skip Maven entirely."""
    if STAMP.exists() and STAMP.read_text() == POM.read_text():
        return
    log(f"fetching OpenSearch jars from Maven Central into {LIB} (first run only)")
    if LIB.exists():
        shutil.rmtree(LIB)
    LIB.mkdir(parents=True)
    subprocess.run(
        [
            "mvn",
            "-q",
            "-B",
            "-f",
            str(POM),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={LIB}",
        ],
        check=True,
    )
    STAMP.write_text(POM.read_text())


# The runner only takes HTTP ports up to 9299 (its built-in maximum), scanning upwards from the
# base for a free one; so we pick a free block in that range and then read the real port back
# from the node's log, which stays right even when another run took a port in between.
PORT_RANGE = range(9200, 9290)
HTTP_PUBLISHED = re.compile(
    r"AbstractHttpServerTransport\].*publish_address \{127\.0\.0\.1:(\d+)\}"
)


def free_port_block(count: int) -> int:
    """A base port such that base+1 … base+count are free (the runner numbers nodes from 1),
    drawn at random among the free ones: runs starting together would all see the first one
    free, and all but one would fail to bind it."""
    bases = [b for b in PORT_RANGE if all(_port_free(b + i) for i in range(1, count + 1))]
    if not bases:
        raise RuntimeError(f"no {count} free loopback ports in 9201-9299 for OpenSearch")
    return random.choice(bases)


def free_transport_ports(count: int) -> list[int]:
    """`count` different free ports on 127.0.0.1, picked by the kernel (its ephemeral range):
    never where another node's default transport port or discovery is."""
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in probes]
    finally:
        for probe in probes:
            probe.close()


def node_config(transport_port: int, transport_ports: list[int]) -> str:
    """One node's `opensearch.yml`: its own transport port on IPv4 loopback, and discovery that
    can meet nothing but this run's nodes."""
    lines = ["network.host: 127.0.0.1", f"transport.port: {transport_port}"]
    if len(transport_ports) == 1:
        lines.append("discovery.type: single-node")
    else:
        seeds = ", ".join(f'"127.0.0.1:{port}"' for port in transport_ports)
        # the first node forms the cluster at once and the others join it (the voting
        # configuration grows as they do); naming them all would hold the first node's start
        # until the second exists, which the runner starts only after the first
        lines += [
            f"discovery.seed_hosts: [{seeds}]",
            'cluster.initial_cluster_manager_nodes: ["Node 1"]',
        ]
    return "\n".join([*lines, ""])


def _published_port(log_path: Path) -> int | None:
    match = HTTP_PUBLISHED.search(log_path.read_text(errors="replace"))
    return int(match.group(1)) if match else None


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _health(url: str) -> dict[str, object] | None:
    try:
        with urllib.request.urlopen(f"{url}/_cluster/health", timeout=2) as response:
            body: dict[str, object] = json.load(response)
            return body
    except OSError:
        return None


class ExitedAtStart(RuntimeError):
    """The node's process ended before the cluster was green."""


def start(nodes: int, heap_mb: int) -> tuple[subprocess.Popen[bytes], str, Path]:
    ensure_jars()
    cluster = f"icjs-test-{os.getpid()}-{secrets.token_hex(3)}"
    for attempt in range(1, START_ATTEMPTS + 1):
        try:
            return _start_once(nodes, heap_mb, cluster)
        except ExitedAtStart as exc:
            if attempt == START_ATTEMPTS:
                raise
            log(f"{exc}; starting it again on other ports")
    raise AssertionError("unreachable")


def _start_once(
    nodes: int, heap_mb: int, cluster: str
) -> tuple[subprocess.Popen[bytes], str, Path]:
    base_port = free_port_block(nodes)
    transport_ports = free_transport_ports(nodes)
    data = Path(tempfile.mkdtemp(prefix="icjs-opensearch-"))
    for number, transport_port in enumerate(transport_ports, start=1):
        config = data / "cluster" / f"node_{number}" / "config"
        config.mkdir(parents=True)
        (config / "opensearch.yml").write_text(node_config(transport_port, transport_ports))
    log_path = data / "node.log"
    java = os.environ.get("ICJS_TEST_JAVA", "java")
    cmd = [
        java,
        f"-Xms{heap_mb}m",
        f"-Xmx{heap_mb}m",
        "-cp",
        f"{LIB}/*",
        MAIN_CLASS,
        "-basePath",
        str(data / "cluster"),
        "-numOfNode",
        str(nodes),
        "-baseHttpPort",
        str(base_port),
        "-clusterName",
        cluster,
    ]
    log(
        f"starting {nodes} node(s) of cluster {cluster} (transport ports "
        f"{', '.join(map(str, transport_ports))}); log at {log_path}"
    )
    with log_path.open("wb") as sink:
        process = subprocess.Popen(
            cmd, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.stderr.write(log_path.read_text(errors="replace")[-4000:])
            status = process.returncode
            stop(process, data)
            raise ExitedAtStart(f"OpenSearch exited with status {status} at start")
        port = _published_port(log_path)
        url = f"http://127.0.0.1:{port}"
        health = _health(url) if port else None
        if (
            health
            # another run's node on the port we read would answer too
            and health.get("cluster_name") == cluster
            and health.get("number_of_nodes") == nodes
            and health.get("status") == "green"
        ):
            log(f"cluster {cluster} is green with {nodes} node(s) at {url}")
            return process, url, data
        time.sleep(1)
    stop(process, data)
    raise RuntimeError(f"OpenSearch was not green within {START_TIMEOUT_S}s; see {log_path}")


def stop(process: subprocess.Popen[bytes], data: Path) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    shutil.rmtree(data, ignore_errors=True)
    log("stopped and cleaned up")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="verb", required=True)
    run = sub.add_parser("run", help="start a node, run a command, stop the node")
    run.add_argument(
        "--nodes", type=int, default=int(os.environ.get("ICJS_TEST_OPENSEARCH_NODES", "1"))
    )
    run.add_argument("--heap-mb", type=int, default=768)
    run.add_argument("command", nargs=argparse.REMAINDER)
    serve = sub.add_parser("serve", help="start a node and keep it up until Ctrl-C")
    serve.add_argument("--nodes", type=int, default=1)
    serve.add_argument("--heap-mb", type=int, default=1024)
    serve.add_argument("--url-file", type=Path)
    args = parser.parse_args()

    process, url, data = start(args.nodes, args.heap_mb)
    try:
        if args.verb == "serve":
            if args.url_file:
                args.url_file.write_text(url)
            print(url, flush=True)
            process.wait()
            return 0
        command = list(args.command)
        if command[:1] == ["--"]:
            command = command[1:]
        if not command:
            parser.error("run needs a command after --")
        env = dict(
            os.environ, ICJS_TEST_OPENSEARCH_URL=url, ICJS_TEST_OPENSEARCH_NODES=str(args.nodes)
        )
        return subprocess.call(command, env=env)
    except KeyboardInterrupt:
        return 130
    finally:
        stop(process, data)


if __name__ == "__main__":
    sys.exit(main())
