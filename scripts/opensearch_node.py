"""Run a command next to a real, throw-away OpenSearch node (or a three-node cluster).

    python scripts/opensearch_node.py run [--nodes N] -- pytest …

Fetches OpenSearch's jars from Maven Central once (tests/opensearch/pom.xml →
.cache/opensearch/lib),
starts `org.codelibs.opensearch.runner.OpenSearchRunner` on a free loopback port, waits until the
cluster is green with every node joined, exports `ICJS_TEST_OPENSEARCH_URL` to the command, and
stops the node and removes its data however the command ends. Exits with the command's status.

`serve` keeps a node up until Ctrl-C (used by `make demo-cluster`) and prints its URL.
Standard library only: it runs before the virtualenv has anything in it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
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
    """A base port such that base+1 … base+count are free (the runner numbers nodes from 1)."""
    for base in PORT_RANGE:
        if all(_port_free(base + i) for i in range(1, count + 1)):
            return base
    raise RuntimeError(f"no {count} free loopback ports in 9201-9299 for OpenSearch")


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


def start(nodes: int, heap_mb: int) -> tuple[subprocess.Popen[bytes], str, Path]:
    ensure_jars()
    base_port = free_port_block(nodes)
    data = Path(tempfile.mkdtemp(prefix="icjs-opensearch-"))
    cluster = f"icjs-test-{os.getpid()}"
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
    log(f"starting {nodes} node(s) of cluster {cluster}; log at {log_path}")
    with log_path.open("wb") as sink:
        process = subprocess.Popen(
            cmd, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.stderr.write(log_path.read_text(errors="replace")[-4000:])
            raise RuntimeError(f"OpenSearch exited with status {process.returncode} at start")
        port = _published_port(log_path)
        url = f"http://127.0.0.1:{port}"
        health = _health(url) if port else None
        if health and health.get("number_of_nodes") == nodes and health.get("status") == "green":
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
